"""Kafka brokers for the simulator: librdkafka's mock cluster with
Confluent-style advertised broker names (mock_cluster.c, mock.py)."""

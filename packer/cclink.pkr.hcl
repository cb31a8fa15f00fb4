# Bakes a cclink proxy image (an AMI) from the official Debian 12 AMI:
# nginx and Debian's stream module from the distribution, the cclink
# packages built on the instance against that nginx, the host
# configuration, services enabled. See docs/image.md.
#
#   make image-src                     # build/image/cclink-src.tar.gz
#   packer build -var region=us-west-2 packer/cclink.pkr.hcl
#
# Written for Packer 1.6.6 (Debian 12's packer package) and later.

variable "region" {
  type        = string
  default     = "us-west-2"
  description = "AWS region to build in."
}

variable "instance_type" {
  type        = string
  default     = "t3.small"
  description = "Build instance type (t4g.small for arch = \"arm64\")."
}

variable "arch" {
  type        = string
  default     = "amd64"
  description = "Debian architecture of the image: amd64 or arm64."

  validation {
    condition     = contains(["amd64", "arm64"], var.arch)
    error_message = "The arch must be \"amd64\" or \"arm64\"."
  }
}

variable "source_ami_name" {
  type        = string
  default     = ""
  description = "Name filter of the source AMI (default: debian-12-<arch>-*)."
}

variable "source_ami_owners" {
  type        = list(string)
  default     = ["136693071363"]
  description = "Owners of the source AMI (default: Debian's cloud team)."
}

variable "vpc_id" {
  type        = string
  default     = ""
  description = "VPC of the build instance (default: the default VPC)."
}

variable "subnet_id" {
  type        = string
  default     = ""
  description = "Subnet of the build instance (default: one Packer picks)."
}

variable "associate_public_ip_address" {
  type        = bool
  default     = false
  description = "Give the build instance a public address (in a subnet_id)."
}

variable "ssh_interface" {
  type        = string
  default     = ""
  description = "public_ip, private_ip, public_dns, private_dns or session_manager."
}

variable "image_name" {
  type        = string
  default     = "cclink-proxy"
  description = "AMI name prefix; the build time is appended."
}

variable "tags" {
  type        = map(string)
  default     = {}
  description = "Extra tags for the AMI, its snapshots and the build instance."
}

variable "ami_regions" {
  type        = list(string)
  default     = []
  description = "Regions to copy the AMI to."
}

variable "ami_users" {
  type        = list(string)
  default     = []
  description = "AWS account ids allowed to launch the AMI."
}

variable "encrypt_boot" {
  type        = bool
  default     = false
  description = "Encrypt the AMI's root volume (with kms_key_id, or AWS's key)."
}

variable "kms_key_id" {
  type        = string
  default     = ""
  description = "KMS key for encrypt_boot."
}

variable "volume_size" {
  type        = number
  default     = 8
  description = "Root volume size, GiB."
}

variable "mode" {
  type        = string
  default     = "module"
  description = "module (nginx with ngx_cclink_module) or nginx (stock nginx)."

  validation {
    condition     = contains(["module", "nginx"], var.mode)
    error_message = "The mode must be \"module\" or \"nginx\"."
  }
}

variable "purge_build_deps" {
  type        = bool
  default     = true
  description = "Remove the compiler and -dev packages after building."
}

variable "source_tarball" {
  type        = string
  default     = ""
  description = "Source tree to upload (default: build/image/cclink-src.tar.gz)."
}

locals {
  stamp           = formatdate("YYYYMMDD-hhmmss", timestamp())
  aws_arch        = var.arch == "arm64" ? "arm64" : "x86_64"
  default_tarball = "${path.root}/../build/image/cclink-src.tar.gz"
  ami_filter_name = var.source_ami_name != "" ? var.source_ami_name : "debian-12-${var.arch}-*"
  tarball         = var.source_tarball != "" ? var.source_tarball : local.default_tarball
  provision_flags = join(" ", compact([
    "--mode ${var.mode}",
    "--upgrade",
    var.purge_build_deps ? "--purge-build-deps" : "",
    "--clean",
  ]))
  tags = merge({
    Name        = "${var.image_name}-${local.stamp}"
    Application = "cclink"
    Mode        = var.mode
    BaseImage   = "{{ .SourceAMIName }}"
  }, var.tags)
}

source "amazon-ebs" "debian12" {
  region        = var.region
  instance_type = var.instance_type

  source_ami_filter {
    filters = {
      name                = local.ami_filter_name
      architecture        = local.aws_arch
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = var.source_ami_owners
    most_recent = true
  }

  vpc_id                      = var.vpc_id
  subnet_id                   = var.subnet_id
  associate_public_ip_address = var.associate_public_ip_address
  ssh_interface               = var.ssh_interface
  ssh_username                = "admin"

  ami_name        = "${var.image_name}-${local.stamp}"
  ami_description = "cclink proxy (${var.mode} mode): Debian 12, nginx, ngx_cclink_module, cclink-sidecar"
  ami_regions     = var.ami_regions
  ami_users       = var.ami_users
  encrypt_boot    = var.encrypt_boot
  kms_key_id      = var.kms_key_id

  launch_block_device_mappings {
    # gp3 at its baseline; Packer 1.6 wants throughput and iops set for gp3
    device_name           = "/dev/xvda"
    volume_size           = var.volume_size
    volume_type           = "gp3"
    throughput            = 125
    iops                  = 3000
    delete_on_termination = true
  }

  tags          = local.tags
  snapshot_tags = local.tags
  run_tags      = local.tags
}

build {
  sources = ["source.amazon-ebs.debian12"]

  provisioner "file" {
    source      = local.tarball
    destination = "/tmp/cclink-src.tar.gz"
  }

  # The same script provisions any Debian 12 machine (docs/image.md).
  provisioner "shell" {
    execute_command = "chmod +x {{ .Path }}; sudo sh -c '{{ .Vars }} {{ .Path }}'"
    inline = [
      "set -eu",
      "rm -rf /tmp/cclink-src",
      "mkdir /tmp/cclink-src",
      "tar -xzf /tmp/cclink-src.tar.gz -C /tmp/cclink-src",
      "/tmp/cclink-src/packer/provision.sh ${local.provision_flags}",
      "rm -rf /tmp/cclink-src /tmp/cclink-src.tar.gz",
    ]
  }

  post-processor "manifest" {
    output     = "${path.root}/../build/image/packer-manifest.json"
    strip_path = true
  }
}

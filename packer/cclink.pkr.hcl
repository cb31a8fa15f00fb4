# Bakes a cclink proxy image from each cloud's official Debian 12 image:
# an AMI (amazon-ebs), an Azure managed image (azure-arm), a GCE image
# (googlecompute). The same provisioning on each: nginx and Debian's
# stream module from the distribution, the cclink packages built on the
# instance against that nginx, the host configuration, services enabled
# (cclink-firstboot among them: the zone and proxy_address from the
# instance metadata on the image's first boot). See docs/image.md.
#
#   make image-src                     # build/image/cclink-src.tar.gz
#   packer build -only=amazon-ebs.debian12 -var region=us-west-2 \
#       packer/cclink.pkr.hcl
#   packer build -only=azure-arm.debian12 \
#       -var azure_resource_group=images packer/cclink.pkr.hcl
#   packer build -only=googlecompute.debian12 \
#       -var gcp_project_id=my-project packer/cclink.pkr.hcl
#
# Credentials are never in the template: each builder takes them from its
# cloud's usual places (environment, CLI login, instance identity).
#
# Written for Packer 1.6.6 (Debian 12's packer package) and later.


# --- AWS (amazon-ebs) ------------------------------------------------------

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



# --- all clouds --------------------------------------------------------------

variable "proxy_address" {
  type        = string
  default     = ""
  description = "The sidecar's proxy_address baked in (user data can set it on boot)."
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


# --- Azure (azure-arm) -------------------------------------------------------

variable "azure_location" {
  type        = string
  default     = "westus2"
  description = "Azure region of the build VM and the image."
}

variable "azure_resource_group" {
  type        = string
  default     = ""
  description = "Existing resource group the managed image is written to (required)."
}

variable "azure_build_resource_group" {
  type        = string
  default     = ""
  description = "Existing resource group for the build VM (default: a temporary one in azure_location)."
}

variable "azure_vm_size" {
  type        = string
  default     = "Standard_B2s"
  description = "Build VM size."
}

variable "azure_image_sku" {
  type        = string
  default     = "12-gen2"
  description = "SKU of Debian's debian-12 offer: 12-gen2 (Hyper-V generation 2) or 12."

  validation {
    condition     = contains(["12", "12-gen2"], var.azure_image_sku)
    error_message = "The azure_image_sku must be \"12\" or \"12-gen2\"."
  }
}

variable "azure_virtual_network_name" {
  type        = string
  default     = ""
  description = "Existing virtual network of the build VM (default: a temporary one)."
}

variable "azure_virtual_network_subnet_name" {
  type        = string
  default     = ""
  description = "Subnet of azure_virtual_network_name."
}

variable "azure_virtual_network_resource_group" {
  type        = string
  default     = ""
  description = "Resource group of azure_virtual_network_name."
}

variable "azure_public_ip" {
  type        = bool
  default     = false
  description = "Give the build VM a public address in azure_virtual_network_name."
}

variable "azure_use_cli_auth" {
  type        = bool
  default     = false
  description = "Authenticate as the Azure CLI's logged-in user (az login)."
}

variable "azure_subscription_id" {
  type        = string
  default     = env("ARM_SUBSCRIPTION_ID")
  description = "Subscription (environment ARM_SUBSCRIPTION_ID)."
}

variable "azure_tenant_id" {
  type        = string
  default     = env("ARM_TENANT_ID")
  description = "Tenant of the service principal (environment ARM_TENANT_ID)."
}

variable "azure_client_id" {
  type        = string
  default     = env("ARM_CLIENT_ID")
  description = "Service principal's application id (environment ARM_CLIENT_ID)."
}

variable "azure_client_secret" {
  type        = string
  default     = env("ARM_CLIENT_SECRET")
  description = "Service principal's secret (environment ARM_CLIENT_SECRET only)."
  sensitive   = true
}


# --- GCP (googlecompute) -------------------------------------------------------

variable "gcp_project_id" {
  type        = string
  default     = ""
  description = "Project of the build VM and the image (required)."
}

variable "gcp_zone" {
  type        = string
  default     = "us-central1-a"
  description = "Zone of the build VM."
}

variable "gcp_machine_type" {
  type        = string
  default     = "e2-small"
  description = "Build VM machine type."
}

variable "gcp_network" {
  type        = string
  default     = ""
  description = "VPC network of the build VM (default: \"default\")."
}

variable "gcp_subnetwork" {
  type        = string
  default     = ""
  description = "Subnetwork of the build VM (needed in a custom-mode network)."
}

variable "gcp_network_project_id" {
  type        = string
  default     = ""
  description = "Host project of a Shared VPC network."
}

variable "gcp_omit_external_ip" {
  type        = bool
  default     = false
  description = "No external address for the build VM (Cloud NAT, IAP or a VPN must reach it)."
}

variable "gcp_use_iap" {
  type        = bool
  default     = false
  description = "SSH to the build VM through Identity-Aware Proxy."
}

variable "gcp_network_tags" {
  type        = list(string)
  default     = []
  description = "Network tags of the build VM (firewall rules admitting SSH)."
}

variable "gcp_image_family" {
  type        = string
  default     = "cclink-proxy"
  description = "Image family of the image."
}

variable "gcp_account_file" {
  type        = string
  default     = ""
  description = "Service account key file (default: Application Default Credentials)."
}

locals {
  stamp           = formatdate("YYYYMMDD-hhmmss", timestamp())
  proxy_flag      = var.proxy_address != "" ? "--proxy-address ${var.proxy_address}" : ""
  aws_arch        = var.arch == "arm64" ? "arm64" : "x86_64"
  default_tarball = "${path.root}/../build/image/cclink-src.tar.gz"
  ami_filter_name = var.source_ami_name != "" ? var.source_ami_name : "debian-12-${var.arch}-*"
  tarball         = var.source_tarball != "" ? var.source_tarball : local.default_tarball
  provision_flags = join(" ", compact([
    "--mode ${var.mode}",
    local.proxy_flag,
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
  # Azure tags; GCP labels (lower case letters, digits, - and _: tags
  # are lower-cased, other characters become _)
  azure_tags = merge({
    Application = "cclink"
    Mode        = var.mode
  }, var.tags)
  gcp_labels = merge({
    application = "cclink"
    mode        = var.mode
  }, { for k, v in var.tags : regex_replace(lower(k), "[^a-z0-9_-]", "_") => regex_replace(lower(v), "[^a-z0-9_-]", "_") })
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

source "azure-arm" "debian12" {
  # credentials: a service principal (ARM_* environment), the Azure CLI's
  # login, or else the build host's managed identity
  subscription_id    = var.azure_subscription_id
  tenant_id          = var.azure_tenant_id
  client_id          = var.azure_client_id
  client_secret      = var.azure_client_secret
  use_azure_cli_auth = var.azure_use_cli_auth

  image_publisher = "Debian"
  image_offer     = "debian-12"
  image_sku       = var.azure_image_sku
  image_version   = "latest"
  os_type         = "Linux"
  vm_size         = var.azure_vm_size

  # a temporary resource group in the location, or an existing one
  location                  = var.azure_build_resource_group == "" ? var.azure_location : null
  build_resource_group_name = var.azure_build_resource_group == "" ? null : var.azure_build_resource_group

  virtual_network_name                   = var.azure_virtual_network_name
  virtual_network_subnet_name            = var.azure_virtual_network_subnet_name
  virtual_network_resource_group_name    = var.azure_virtual_network_resource_group
  private_virtual_network_with_public_ip = var.azure_public_ip

  managed_image_name                = "${var.image_name}-${local.stamp}"
  managed_image_resource_group_name = var.azure_resource_group
  os_disk_size_gb                   = 30

  azure_tags = local.azure_tags
}

source "googlecompute" "debian12" {
  # credentials: gcp_account_file, else Application Default Credentials
  # (GOOGLE_APPLICATION_CREDENTIALS, gcloud auth application-default login,
  # or the build host's service account)
  account_file = var.gcp_account_file
  project_id   = var.gcp_project_id
  zone         = var.gcp_zone
  machine_type = var.gcp_machine_type

  source_image_family     = "debian-12"
  source_image_project_id = ["debian-cloud"]
  disk_size               = 10
  disk_type               = "pd-balanced"

  network            = var.gcp_network
  subnetwork         = var.gcp_subnetwork
  network_project_id = var.gcp_network_project_id
  omit_external_ip   = var.gcp_omit_external_ip
  use_internal_ip    = var.gcp_omit_external_ip
  use_iap            = var.gcp_use_iap
  tags               = var.gcp_network_tags
  ssh_username       = "packer"

  image_name        = "${var.image_name}-${local.stamp}"
  image_family      = var.gcp_image_family
  image_description = "cclink proxy (${var.mode} mode): Debian 12, nginx, ngx_cclink_module, cclink-sidecar"
  image_labels      = local.gcp_labels
  labels            = local.gcp_labels
}

build {
  sources = [
    "source.amazon-ebs.debian12",
    "source.azure-arm.debian12",
    "source.googlecompute.debian12",
  ]

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

  # Azure: generalize (waagent's deprovisioning, as Azure requires of a
  # Linux image)
  provisioner "shell" {
    only            = ["azure-arm.debian12"]
    execute_command = "chmod +x {{ .Path }}; sudo sh -c '{{ .Vars }} {{ .Path }}'"
    inline = [
      "if command -v waagent > /dev/null; then waagent -force -deprovision+user; fi",
      "sync",
    ]
  }

  post-processor "manifest" {
    output     = "${path.root}/../build/image/packer-manifest.json"
    strip_path = true
  }
}

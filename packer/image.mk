# The proxy image: included by the top-level Makefile.
#
#   make image-src        build/image/cclink-src.tar.gz, the source tree the
#                         image is provisioned from (what Packer uploads)
#   make image-validate   packer validate (offline) of each source and fmt
#                         of the template, and the shell scripts' syntax
#                         (run before the bake test, hence in CI)
#   make debs             the Debian packages, built here with
#                         dpkg-buildpackage -b, into build/debs/
#   make bake-test        debootstrap Debian 12 under build/image/, provision
#                         it in a chroot, check it, first boot included
#                         (root; a few minutes)
#   make image-aws        packer build -only=amazon-ebs.debian12: the AMI
#                         (AWS credentials in the environment;
#                         PACKER_VARS="-var region=..."); "make image" too
#   make image-azure      packer build -only=azure-arm.debian12: a managed
#                         image (PACKER_VARS="-var azure_resource_group=...")
#   make image-gcp        packer build -only=googlecompute.debian12: a GCE
#                         image (PACKER_VARS="-var gcp_project_id=...")
#
# See docs/image.md.

BUILD         ?= $(CURDIR)/build
IMAGE_BUILD   := $(BUILD)/image
IMAGE_SRC     := $(IMAGE_BUILD)/cclink-src.tar.gz
IMAGE_TPL     := packer/cclink.pkr.hcl
PACKER        ?= packer
PACKER_VARS   ?=
DEBS_BUILD    := $(BUILD)/debs

.PHONY: image-src image-validate image image-aws image-azure image-gcp \
        debs bake-test image-deps

image-deps:
	./tools/install-deps.sh tools/deps.d/image.txt

# always rebuilt: it is a snapshot of the working tree
image-src:
	packer/source-tarball.sh $(IMAGE_SRC)

# Each source on its own (-only), as it is built; the required settings
# of Azure and GCP get example values. Nothing here talks to a cloud.
VALIDATE      := CHECKPOINT_DISABLE=1 $(PACKER) validate
image-validate: image-deps image-src
	sh -n packer/provision.sh
	sh -n packer/source-tarball.sh
	sh -n conf-templates/cclink-firstboot
	bash -n tests/image/bake-test.sh
	bash -n tests/image/firstboot.sh
	$(PACKER) fmt -check $(IMAGE_TPL)
	$(VALIDATE) -only=amazon-ebs.debian12 $(IMAGE_TPL)
	$(VALIDATE) -only=amazon-ebs.debian12 -var mode=nginx -var arch=arm64 \
	    -var instance_type=t4g.small $(IMAGE_TPL)
	$(VALIDATE) -only=azure-arm.debian12 -var azure_resource_group=images \
	    $(IMAGE_TPL)
	$(VALIDATE) -only=azure-arm.debian12 -var azure_resource_group=images \
	    -var azure_build_resource_group=build -var azure_image_sku=12 \
	    -var azure_virtual_network_name=vnet \
	    -var azure_virtual_network_subnet_name=build \
	    -var azure_virtual_network_resource_group=network \
	    -var proxy_address=10.0.7.21 $(IMAGE_TPL)
	$(VALIDATE) -only=googlecompute.debian12 -var gcp_project_id=my-project \
	    $(IMAGE_TPL)
	$(VALIDATE) -only=googlecompute.debian12 -var gcp_project_id=my-project \
	    -var gcp_network=proxies -var gcp_subnetwork=build \
	    -var gcp_omit_external_ip=true -var gcp_use_iap=true \
	    -var mode=nginx $(IMAGE_TPL)
	@echo "packer validate: amazon-ebs, azure-arm, googlecompute valid"

image: image-aws

image-aws: image-deps image-src
	CHECKPOINT_DISABLE=1 $(PACKER) build -only=amazon-ebs.debian12 \
	    $(PACKER_VARS) $(IMAGE_TPL)

image-azure: image-deps image-src
	CHECKPOINT_DISABLE=1 $(PACKER) build -only=azure-arm.debian12 \
	    $(PACKER_VARS) $(IMAGE_TPL)

image-gcp: image-deps image-src
	CHECKPOINT_DISABLE=1 $(PACKER) build -only=googlecompute.debian12 \
	    $(PACKER_VARS) $(IMAGE_TPL)

# The packages for this machine's nginx, from a copy of the tree (the
# build dependencies in debian/control must be installed: apt-get
# build-dep ./ does it).
debs: image-src
	rm -rf $(DEBS_BUILD)
	mkdir -p $(DEBS_BUILD)/src
	tar -xzf $(IMAGE_SRC) -C $(DEBS_BUILD)/src
	cd $(DEBS_BUILD)/src && dpkg-buildpackage -b -us -uc \
	    > $(DEBS_BUILD)/build.log 2>&1 \
	    || { tail -n 30 $(DEBS_BUILD)/build.log; exit 1; }
	@ls -1 $(DEBS_BUILD)/*.deb

bake-test: image-deps image-validate
	BUILD=$(BUILD) tests/image/bake-test.sh

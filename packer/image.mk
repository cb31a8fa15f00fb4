# The proxy image: included by the top-level Makefile.
#
#   make image-src        build/image/cclink-src.tar.gz, the source tree the
#                         image is provisioned from (what Packer uploads)
#   make image-validate   packer validate (offline) and fmt of the template,
#                         and the shell scripts' syntax
#   make debs             the Debian packages, built here with
#                         dpkg-buildpackage -b, into build/debs/
#   make bake-test        debootstrap Debian 12 under build/image/, provision
#                         it in a chroot, check it (root; a few minutes)
#   make image            packer build: bakes the AMI (AWS credentials in
#                         the environment; PACKER_VARS="-var region=...")
#
# See docs/image.md.

BUILD         ?= $(CURDIR)/build
IMAGE_BUILD   := $(BUILD)/image
IMAGE_SRC     := $(IMAGE_BUILD)/cclink-src.tar.gz
IMAGE_TPL     := packer/cclink.pkr.hcl
PACKER        ?= packer
PACKER_VARS   ?=
DEBS_BUILD    := $(BUILD)/debs

.PHONY: image-src image-validate image debs bake-test image-deps

image-deps:
	./tools/install-deps.sh tools/deps.d/image.txt

# always rebuilt: it is a snapshot of the working tree
image-src:
	packer/source-tarball.sh $(IMAGE_SRC)

image-validate: image-deps image-src
	sh -n packer/provision.sh
	sh -n packer/source-tarball.sh
	bash -n tests/image/bake-test.sh
	$(PACKER) fmt -check $(IMAGE_TPL)
	CHECKPOINT_DISABLE=1 $(PACKER) validate $(PACKER_VARS) $(IMAGE_TPL)
	CHECKPOINT_DISABLE=1 $(PACKER) validate -var mode=nginx -var arch=arm64 \
	    -var instance_type=t4g.small $(IMAGE_TPL)

image: image-deps image-src
	CHECKPOINT_DISABLE=1 $(PACKER) build $(PACKER_VARS) $(IMAGE_TPL)

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

bake-test: image-deps
	BUILD=$(BUILD) tests/image/bake-test.sh

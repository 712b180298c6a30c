"""cloudsim: a management server that speaks the Apache CloudStack API."""

__version__ = "0.1.0"
# The CloudStack release whose API we present (listCapabilities, XML version attribute).
CLOUDSTACK_VERSION = "4.20.1.0"

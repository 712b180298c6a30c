from setuptools import setup

# schema.sql lives at the top of the tree (DESIGN.md); installed copies find it under share/.
setup(data_files=[("share/cloudsim", ["schema.sql"])])

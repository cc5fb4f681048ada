"""intervisie: plans intervisie meetings and does their paperwork from one shared workbook."""

__version__ = "0.1.0"

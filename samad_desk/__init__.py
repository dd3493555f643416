"""samad-desk: the operator desk of the 111 / SAMAD citizen-communication system."""

__version__ = "0.1.0"

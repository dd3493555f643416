"""Deterministic demo and benchmark data for Qazvin province (see docs/domain.md)."""

from samad_desk.demo.data import (
    demo_operators,
    qazvin_agencies,
    qazvin_cities,
    subject_label,
    subject_tree,
    subjects_flat,
)
from samad_desk.demo.generator import DEFAULT_NOW, citizen_id, generate
from samad_desk.demo.writer import write_dataset

__all__ = [
    "DEFAULT_NOW", "citizen_id", "demo_operators", "generate", "qazvin_agencies",
    "qazvin_cities", "subject_label", "subject_tree", "subjects_flat", "write_dataset",
]

"""Importers turn another platform's exported configuration into netgen input.

Each importer is a pipeline of small stages (load → analyse → write blueprint) so that a
failure can be blamed on the exact input file and field that caused it.
"""

"""The registry workbook (.xlsx): one format for import, export, the empty template and the demo data.

``columns`` is the single source of sheet names, headers, parsing and formatting; ``reader`` opens a file
safely; ``importer`` runs read → parse → validate → plan → apply; ``exporter`` writes workbooks; ``scdl``
writes the SCDL « subventions » open-data CSV.
"""

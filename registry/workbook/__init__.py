"""The registry workbook (.xlsx): one format for import, export, the empty template and the demo data.

No HTTP here: the back office, the partner space and the CLI call these modules.

- Specs: ``columns`` lists the data sheets (the single source of sheet names, headers, parsing, validation
  and formatting); ``spec`` holds their types (``SheetSpec``, ``Column``, ``RefIndex``) and shared builders;
  ``sheets/`` defines each sheet by family, with its import rules (matching, natural keys, new Réf.);
  ``cells`` the kinds of cells.
- Reading: ``reader`` opens an uploaded file safely (``fast_reader``: python-calamine for plain files).
- Import: ``staging`` is the lifecycle (stage → preview → confirm or discard → expire, file and report kept
  in the database); ``importer`` previews and applies (read → parse → validate → plan → apply); ``headers``
  maps a sheet's header row; ``plan`` plans the rows against ``index`` (what the registry holds); ``bulk``
  inserts new records in batches; ``report`` is what the preview shows.
- Export: ``exporter`` writes workbooks (``actor_rows``, ``ordering``, ``notice``, ``printing``); ``scdl``
  writes the SCDL « subventions » open-data CSV.
- ``demo`` loads ``seed_data/demo.xlsx`` into an empty registry.
"""

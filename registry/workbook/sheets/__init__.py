"""The data sheets of the workbook, by family: one ``SheetSpec`` each (``registry.workbook.columns`` lists them)."""

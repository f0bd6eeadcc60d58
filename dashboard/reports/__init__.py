"""Reports for kommunestyret, FAU and the rektormøte: content from the query layer, rendered as HTML, PDF or XLSX."""

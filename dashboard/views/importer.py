"""Importer filer: upload files in the browser, see the verdict and what will change, then load (dashboard/upload.py)."""

from dashboard.upload import main

main()

"""Content the site is installed with, and made-up content for tests and benchmarks.

`texts` holds the Hallingdal content that `manage.py load_hallingdal` loads;
`sample_pdf` writes the small PDFs that the loader (a labelled sample project
plan), `generate_bulk_data` and the tests need. Nothing here serves a page.
"""

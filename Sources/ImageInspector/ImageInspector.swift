// ImageInspector: see issue 3.

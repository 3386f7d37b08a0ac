"""Live widget panels (ipywidgets + bqplot) over workbench's engine objects."""

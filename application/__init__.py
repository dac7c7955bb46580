"""The application layer: plain functions that wire the stages and adapters into what sohoa does
(ingest a file, batch reports, drop-folder memory, secret documents, the access log, search as a
role). Flows and interfaces (CLI, API) call these; nothing here imports flows, cli or api."""

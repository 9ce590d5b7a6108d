"""Ingest on more than one process: `workers` (every core of one machine, `--workers N`) and
`dask_cluster` (a dask.distributed cluster, `--scheduler tcp://HOST:PORT`). Both run the same analysis
functions as `parallax.pipeline` on the same chunks, so the stored result does not depend on where it ran;
the store and the clustering stay with the process that started the run."""

"""Benchmarks: `make bench` prints one line per benchmark,
`bench NAME: <figure> (ratio <r> vs <baseline>)`, the baseline measured in the same run
on the same server."""

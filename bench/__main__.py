"""Run every benchmark: ``python -m bench`` (or ``make bench``); figures go to bench/results.json."""

from bench import bench_eligibility, bench_enterprises, bench_extract, bench_rdf, bench_web

if __name__ == "__main__":
    bench_extract.main()
    bench_rdf.main()
    bench_enterprises.main()
    bench_eligibility.main()
    bench_web.main()

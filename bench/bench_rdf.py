"""RDF export throughput on a large graph: the three shipped documents plus a register of
100,000 fictional enterprises holding three qualifications each (over 4 million triples),
in an embedded store built in a temporary folder.

Baseline, measured in the same run: rdflib serialising Turtle (``Graph.serialize``) on a
sample of the same triples (rdflib at ~30k triples/s would need minutes for all of them;
its rate does not improve with size). Figures: the end-to-end export (read the store,
build the triples, write the file) and pyoxigraph's serialisation alone on the sample,
each as triples/s and as a ratio to rdflib. Run: ``python -m bench.bench_rdf [--count N]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

import pyoxigraph
import rdflib

from bench.common import best_of, record
from graph.embedded_store import EmbeddedStore
from graph.rdf import export_rdf, store_ntriples
from loaders import document_batch, extract_file, ontology_batch
from loaders.demo import write_demo_register
from loaders.register import read_register, register_batch
from ontology import load_ontology

ROOT = Path(__file__).resolve().parents[1]


def build_store(folder: Path, count: int) -> None:
    """An embedded store in ``folder``/embedded with the shipped documents and a dense
    register of ``count`` enterprises."""
    ont = load_ontology()
    register = folder / "register.csv"
    write_demo_register(register, count=count, seed=7, dense=True, ontology=ont)
    batches = [ontology_batch(ont), *(document_batch(extract_file(p), ont)
                                      for p in sorted((ROOT / "data/policies").glob("*.txt")))]
    batches.append(register_batch(read_register(register, ontology=ont), ont))
    store = EmbeddedStore(folder / "embedded", ont)
    store.write_many(batches)
    store.close()


def _in_child(fn, *args) -> None:
    proc = multiprocessing.get_context("spawn").Process(target=fn, args=args)
    proc.start()
    proc.join()
    if proc.exitcode:
        raise RuntimeError(f"{fn.__name__} failed in its process")


def _timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def _head(store: EmbeddedStore, n: int) -> bytes:
    """The first ``n`` or so N-Triples lines of the export (whole nodes and relationships)."""
    out, lines = [], 0
    for chunk in store_ntriples(store):
        out.append(chunk)
        lines += chunk.count("\n")
        if lines >= n:
            break
    return "".join(out).encode()


def main(count: int = 100_000, sample: int = 200_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # built in another process, as `policykg load` would: measured in this process,
        # right after building, exports ran ~20% slower (the build's heap and buffers)
        build_s, _ = _timed(lambda: _in_child(build_store, folder, count))
        store = EmbeddedStore(folder / "embedded", load_ontology())
        read_s, n_read = _timed(lambda: sum(chunk.count("\n") for chunk in store_ntriples(store)))
        nt_s, (n_triples, _) = _timed(lambda: export_rdf(store, folder / "all.nt", "ntriples"))
        ttl_s, _ = best_of(lambda: export_rdf(store, folder / "all.ttl", "turtle"), repeat=3)
        sample_nt = _head(store, sample)
        triples = list(pyoxigraph.parse(sample_nt, format=pyoxigraph.RdfFormat.N_TRIPLES))
        ox_s, _ = best_of(lambda: pyoxigraph.serialize(triples, str(folder / "ox.ttl"), pyoxigraph.RdfFormat.TURTLE))
        graph = rdflib.Graph().parse(data=sample_nt, format="nt")
        rdflib_s, _ = best_of(lambda: graph.serialize(destination=str(folder / "rdflib.ttl"), format="turtle"),
                              repeat=3)
        size_mb = (folder / "all.ttl").stat().st_size / 1e6
        store.close()
    rdflib_rate = len(triples) / rdflib_s
    record("rdf_export", {
        "enterprises": count,
        "triples": n_triples,
        "build_store_s": round(build_s, 1),
        "read_and_map_s": round(read_s, 2),
        "export_ntriples_s": round(nt_s, 2),
        "export_turtle_s (median of 3)": round(ttl_s, 2),
        "turtle_mb": round(size_mb, 1),
        "export_turtle_triples_per_s": round(n_triples / ttl_s),
        "sample_triples": len(triples),
        "pyoxigraph_turtle_triples_per_s": round(len(triples) / ox_s),
        "baseline_rdflib_turtle_triples_per_s": round(rdflib_rate),
        "ratio_export_to_rdflib": round(n_triples / ttl_s / rdflib_rate, 1),
        "ratio_serialise_to_rdflib": round(len(triples) / ox_s / rdflib_rate, 1),
    })
    assert n_read == n_triples


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="enterprises in the register")
    parser.add_argument("--sample", type=int, default=200_000, help="triples rdflib serialises")
    args = parser.parse_args()
    main(args.count, args.sample)

# %% [markdown]
# # policykg in a notebook
#
# Run it as a script (`python docs/notebook-example.py`, with the graph loaded in
# POLICYKG_HOME) or open it in Jupyter (jupytext reads the `# %%` cells). Each step
# prints what it found; `tests/test_notebook.py` runs it against the shipped documents.

# %%
import os
from pathlib import Path

import policykg

OUT = Path(os.environ.get("POLICYKG_EXAMPLE_OUT", "."))  # where the standalone view goes

kg = policykg.open()  # POLICYKG_HOME (default ./var), the embedded store unless POLICYKG_BACKEND says

# %% [markdown]
# ## The central question as a DataFrame: which qualifications unlock which supports

# %%
supports = kg.query("qualification-supports", district="闵行区", as_of="2025-06-30")
print(len(supports), "measure × qualification rows")
top = supports.groupby("qualification")["measure"].count().sort_values(ascending=False).head(5)
print(top.to_string())

# %% [markdown]
# The same with the query file's Chinese headings, e.g. for a report:

# %%
print(kg.query("qualification-supports", district="闵行区", as_of="2025-06-30", headings="zh").columns.tolist())

# %% [markdown]
# ## A subgraph as networkx: one document, and its busiest concepts

# %%
documents = kg.query("documents-in-force", as_of="2025-06-30")
print(documents[["district", "title"]].to_string(index=False))
minhang = kg.cypher("MATCH (d:PolicyDocument) WHERE d.district = $district RETURN d.id AS id", district="闵行区")
g = kg.subgraph(document=minhang["id"][0])
print(g.number_of_nodes(), "nodes,", g.number_of_edges(), "relationships")
concepts = [(n, d["caption"], g.in_degree(n)) for n, d in g.nodes(data=True) if d["label"] == "Qualification"]
for _node, name, degree in sorted(concepts, key=lambda x: -x[2])[:5]:
    print(f"  {name}: required by {degree} measures")

# %% [markdown]
# ## An interactive view inline (pyvis, the project's own vis-network, no CDN)

# %%
path = kg.subgraph(query="path-between", from_name="专精特新“小巨人”企业", to_name="专精特新中小企业")
view = kg.show(path, path=OUT / "path-between.html")  # in Jupyter, the cell's value draws it
print("view written to", OUT / "path-between.html")
view  # noqa: B018

# %%
kg.close()

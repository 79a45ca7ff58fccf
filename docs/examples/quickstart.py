import eventstudy

# The flagship study up to 2024 (the note's 18 instances).
result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data", end="2024-12-31")
print(result)  # what ran, the counts, the verdict, and the tables (polars DataFrames)
spx_1y = result.summary.filter(asset="SPX", horizon="1y").row(0, named=True)
print(f"SPX 1y: {spx_1y['mean']:+.1%} after the events, {spx_1y['baseline_mean']:+.1%} on all days")

# The same study with another condition, checked like the file's own.
deeper = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data", when="SPX at ATH and RUT drawdown >= 15%")
print(deeper.events.height, "events; the first:", deeper.events["date"].first())

import eventstudy

# The flagship study up to 2024 (the note's 18 instances); the tables are polars DataFrames.
result = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data", end="2024-12-31")
print(result)  # what ran, the counts, where the tables are
print(result.summary.select("asset", "horizon", "n", "mean", "baseline_mean").head(5))

# The same study with another condition, checked like the file's own.
deeper = eventstudy.run("configs/spx_rut.yaml", data_dir="../shared/data", when="SPX at ATH and RUT drawdown >= 15%")
print(deeper.events.height, "events; the first:", deeper.events["date"].first())

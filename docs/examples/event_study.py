import polars as pl

import eventstudy

# The worked event study: S&P 500 stocks around their largest volume spikes.
result = eventstudy.run("configs/sp500_volume_spikes.yaml", data_dir="../shared/data")
found = result.event_study  # the four tables that --output writes as CSV files
pl.Config(tbl_rows=10, fmt_str_lengths=40, float_precision=4, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True)
print(found.caar.filter(pl.col("offset").is_between(-2, 2)))  # caar.csv: the CAAR path and its band
print(found.tests.filter(window="[0,0]").select("test", "statistic", "pvalue", "n", "detail"))  # event_tests.csv
print(found.cars.sort("CAR[0,0]").select("symbol", "date", "CAR[0,0]", "CAR[+1,+20]", "BHAR[-10,+20]").head(3))  # cars.csv
print(f"{found.excluded.height} events excluded (excluded_events.csv lists each with its reason)")

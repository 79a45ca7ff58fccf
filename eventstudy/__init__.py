"""eventstudy: declarative event studies on market data."""

__version__ = "0.1.0"

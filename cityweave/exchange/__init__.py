"""City-to-city exchange: events (workshops, study visits, policy brokerage ...) and the transfer
of good practices between cities and regions."""

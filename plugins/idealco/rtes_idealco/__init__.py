"""The IdealCo plugin of rtes-events: webinars hosted by IdealCo (IDEAL Connaissances)."""

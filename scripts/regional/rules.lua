-- regional/rules.lua - the rules of the regional progress monitor an admin
-- may change (issue 23, part 2).  The settings of one report (the quarter,
-- stale_workdays, late_tolerance_workdays, the calendar) are in
-- monitor.ini; these are the rules behind them.

return {
  -- The statuses an update may have; the latest update of a milestone
  -- with a status in `at_risk_statuses` makes an open milestone at risk.
  statuses = { "on_track", "at_risk", "delayed", "done" },
  at_risk_statuses = { at_risk = true, delayed = true },

  -- A region whose on-time share fell by at least this many points since
  -- the previous quarter is a signal (compared on the shares as shown,
  -- rounded to pct_decimals).
  fall_points = 10,

  -- on_time_pct is rounded half-up to this many decimals.
  pct_decimals = 1,

  -- The chart shows this many quarters, the reported one the last.
  chart_quarters = 4,

  -- The signals, in this order in signals.csv and the report, and their
  -- words in the report.
  signals = {
    { id = "fall", label = "aandeel op tijd gedaald" },
    { id = "late", label = "te laat" },
    { id = "stale", label = "geen voortgangsbericht" },
  },

  -- The words of the report for the status of a milestone.
  status_nl = {
    done_on_time = "op tijd gereed",
    done_late = "te laat gereed",
    late = "te laat",
    at_risk = "risico",
    on_track = "op schema",
  },
}

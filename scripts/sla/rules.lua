-- sla/rules.lua - the rules of the service-level report an admin may
-- change (domain reference §4).  The settings of one report (the number
-- of working days, the targets, the report date) are in sla.ini; these are
-- the rules behind them.

return {
  -- The measures of summary.csv, in this order.  `target` names the key of
  -- [sla] in sla.ini that holds the target percentage; a measure without
  -- one is a figure for the report only (target and met left empty).
  -- `label` is the report's name for it; {min} stands for satisfaction_min.
  measures = {
    { id = "on_time_pct", target = "target_pct", label = "Op tijd beantwoord" },
    { id = "satisfaction_pct", target = "satisfaction_target_pct", label = "Tevreden (score ≥ {min})" },
    { id = "advisers_mean_ok_pct", label = "Adviseurs met een gemiddelde ≥ {min}" },
    { id = "mean_score", label = "Gemiddelde score" },
    { id = "counted", label = "Meegeteld (beantwoord + overschreden)" },
    { id = "on_time", label = "Op tijd" },
    { id = "late", label = "Te laat beantwoord" },
    { id = "breach", label = "Overschreden zonder antwoord" },
    { id = "pending", label = "Nog binnen de termijn" },
    { id = "ratings", label = "Beoordelingen" },
    { id = "advisers", label = "Beoordeelde adviseurs" },
  },

  -- A share is rounded half-up to this many decimals in summary.csv and
  -- the report (met is decided on the exact counts: on_time*100 >=
  -- target*counted).
  pct_decimals = 1,
  mean_decimals = 2,

  -- FAQ candidates: a topic with at least `faq_min_questions` questions
  -- received in the `faq_window_days` calendar days before the report
  -- date (the report date itself not included) for which no FAQ was
  -- published on or before the report date.
  faq_window_days = 30,
  faq_min_questions = 5,

  -- The backlog (requests without a first response on the report date)
  -- by age in calendar days since arrival: each bucket holds the ages up
  -- to and including `max`; the last has none (everything older).
  backlog_buckets = {
    { label = "0–7 dagen", max = 7 },
    { label = "8–14 dagen", max = 14 },
    { label = "15–30 dagen", max = 30 },
    { label = "meer dan 30 dagen" },
  },

  -- The words of the report for each result.
  result_nl = {
    on_time = "op tijd",
    late = "te laat",
    breach = "overschreden",
    pending = "loopt nog",
  },
}

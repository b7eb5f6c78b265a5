-- event/rules.lua - the rules of the event workflow an administrator may
-- change without touching the steps: the statuses and their Dutch names,
-- the letter each status gets, the evaluation threshold, and the short
-- texts of calendars and reminders.  The letters themselves are in
-- event/letters.lua.

local R = {}

-- The statuses of participants.csv (domain reference §6), in the order
-- the report counts them.
R.statuses = { "confirmed", "waitlisted", "cancelled", "duplicate", "late" }

R.STATUS_NL = {
  confirmed = "bevestigd",
  waitlisted = "wachtlijst",
  cancelled = "afgemeld",
  duplicate = "dubbele aanmelding",
  late = "te laat",
}

-- The letters (event/letters.lua) and what they are for:
--   bevestiging  a seat when registering
--   wachtlijst   on the waitlist when registering, with the place then
--   plaats       a seat came free: promoted from the waitlist
--   afgelast     NO-GO: everyone confirmed or on the waitlist
R.LETTER_NL = {
  bevestiging = "bevestiging",
  wachtlijst = "wachtlijst",
  plaats = "plaats vrijgekomen",
  afgelast = "afgelast",
}

-- Evaluation: the share of scores of at least this many points counts as
-- "good" (§3.1 step 8), on a scale of 1 to 10.
R.score_min, R.score_max = 1, 10
R.good_score = 7

-- Percentages and means in summary.csv and the report: decimals.
R.decimals = 1

R.texts = {
  -- SUMMARY of one day of an event held on several days
  day_of = "%s (dag %d van %d)",
  -- the DESCRIPTION of a VALARM
  alarm = "Herinnering: %s",
  place_unknown = "(locatie volgt)",
}

return R

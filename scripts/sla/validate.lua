-- sla/validate.lua - check sla.ini, requests.csv, ratings.csv and faq.csv
-- against each other before anything is worked out.  The engine has
-- already checked the column types and the keys of sla.ini; this step
-- checks the rules between them: no response before the request arrived,
-- a score in 1..10, each req_id once, no rating for an unknown request.
-- Every data error of every file is reported together; the run then stops
-- with exit status 2 and nothing is written.
--
-- A pre-flight step: `regie check` runs it too, and it also runs when an
-- input could not be read (the engine has reported why).  That input is
-- absent here; the rules that need it are left out, the others still apply.

local PR = require "common.previous"
local L = require "sla.lib"

local function err(file, line, column, found, expected)
  regie.data_error(file, line, column, found, expected)
end

-- A rule of sla.ini between keys, or of its values as regie.date takes them.
local function check_settings(cfg)
  local count = 0
  if not cfg.report_date then
    regie.data_error(cfg.file, 0, "report_date", "",
                     "a value for report_date in [sla] (or --set report_date=YYYY-MM-DD)")
    count = count + 1
  end
  if cfg.cutoff_time ~= "" and not cfg.cutoff then
    err(cfg.file, cfg.lines["sla.cutoff_time"] or 0, "cutoff_time", cfg.cutoff_time, "a time HH:MM")
    count = count + 1
  end
  if #cfg.calendar.extra_closed > 64 then
    err(cfg.file, cfg.lines["calendar.extra_closed"] or 0, "extra_closed",
        string.format("%d dates", #cfg.calendar.extra_closed), "at most 64 dates")
    count = count + 1
  end
  return count
end

-- A date and time as text comparable with another: "YYYY-MM-DDTHH:MM";
-- a date alone compares as its date (with the other's date part).
local function before(a, b)
  if a:find("T", 1, true) and b:find("T", 1, true) then
    return a < b
  end
  return L.date_of(a) < L.date_of(b)
end

return {
  summary = "Check sla.ini, requests.csv, ratings.csv and faq.csv against each other",
  params = {},
  run = function(step)
    local count = 0
    local cfg = L.config()
    if cfg then
      count = count + check_settings(cfg)
    end

    -- requests.csv: each req_id once, no response before arrival
    local known
    local about = regie.describe("requests")
    if about then
      known = {}
      local file = about.source or "requests.csv"
      for _, id, line, received, responded in regie.each("requests", { "req_id", "_line", "received_at",
                                                                       "first_response_at" }) do
        local first = known[id]
        if first then
          err(file, line, "req_id", id, string.format("a unique value (first at line %d)", first))
          count = count + 1
        else
          known[id] = line
        end
        if not L.is_null(responded) and before(responded, received) then
          err(file, line, "first_response_at", responded,
              string.format("a date on or after received_at %s", received))
          count = count + 1
        end
      end
    end

    -- ratings.csv: a score in 1..10 for a request of requests.csv
    local ratings = regie.describe("ratings")
    if ratings then
      local file = ratings.source or "ratings.csv"
      local requests_file = about and about.source or "requests.csv"
      for _, id, line, score in regie.each("ratings", { "req_id", "_line", "score" }) do
        if known and not known[id] then
          err(file, line, "req_id", id, "the req_id of a request in " .. requests_file)
          count = count + 1
        end
        if score < 1 or score > 10 then
          err(file, line, "score", tostring(score), "a whole number in 1..10")
          count = count + 1
        end
      end
    end

    -- previous: the summary.csv of an earlier run, its values numbers
    count = count + PR.check_numbers("previous", "value", err)

    if count > 0 then
      -- the data errors are printed by the engine; this only ends the step
      regie.fail(string.format("%d invalid input row(s) or setting(s)", count))
    end
    if not (cfg and about and ratings) then
      regie.fail("an input could not be read")
    end
    regie.info(string.format("%d requests, %d ratings, report date %s", about.rows, ratings.rows,
                             cfg.report_date))
    regie.output("valid", true)
  end,
}

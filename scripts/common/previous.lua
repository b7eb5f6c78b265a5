-- common/previous.lua - whether a recurring workflow compares itself with
-- an earlier run's output.
--   local PR = require "common.previous"
--
-- A workflow's input `previous` (an output of an earlier run) comes with
-- --set, or, not given, from the latest earlier run in the run store that
-- finished done (from_previous_run); beside it the workflow declares a
-- one-column CSV input, also from_previous_run, holding the period that
-- run reported on (quarter.csv, period.csv).  The earlier run is compared
-- with only when its period fits this one: a period file in the folder of
-- previous must pass `fits` (a re-run of the same period is not compared
-- with); without one there (a file given by hand, as before the period
-- file was written) previous is trusted.

local V = require "common.value"
local P = require "common.pct"

local PR = {}

local function folder(path)
  return tostring(path or ""):match("^(.*)/[^/]*$") or "."
end

-- Whether input `previous` is to be used, and the period its run reported
-- on (nil when not known): true|false, period.  period_input names the
-- period file's input and column; fits(was) says whether that period is
-- one to compare with (called only when it is known).
function PR.use(previous, period_input, column, fits)
  local p = regie.describe(previous)
  if not p then
    return false
  end
  local pp = regie.describe(period_input)
  if not pp or not p.source or not pp.source or folder(p.source) ~= folder(pp.source) then
    return true
  end
  local was
  for _, v in regie.each(period_input, { column }) do
    was = tostring(v)
    break
  end
  if not was then
    return false
  end
  return fits(was) and true or false, was
end

-- Check the numbers of input `previous`'s column as validate steps do: each
-- empty or a number with at most 2 decimals; err(file, line, column,
-- found, expected) for each that is not.  Returns how many were not.
function PR.check_numbers(previous, column, err)
  local d = regie.describe(previous)
  if not d then
    return 0
  end
  local file, count = d.source or "previous.csv", 0
  for _, line, v in regie.each(previous, { "_line", column }) do
    if not V.is_null(v) and v ~= "" and not P.hundredths(v) then
      err(file, line, column, v, "a number with at most 2 decimals, or empty")
      count = count + 1
    end
  end
  return count
end

return PR

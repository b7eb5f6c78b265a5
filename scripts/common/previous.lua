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

return PR

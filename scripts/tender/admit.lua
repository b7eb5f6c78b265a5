-- tender/admit.lua - the rules that decide whether a bid is admitted to
-- scoring (§1.1 steps 2-3), shared by the steps that apply them
-- (intake.lua, knockout.lua) and the validation (validate.lua), which must
-- know before any step acts which bids need scores:
--  * a bid received after [tender] closing is excluded (te laat);
--  * check = max_rate: the rate rounded half-up to whole euros must be
--    <= [requirements] max_rate; with rate_rounding = reject a rate that
--    is not whole euros fails;
--  * check = documents: exactly cv_count CVs and motivation_count
--    motivation letters ([requirements]);
--  * no check: the judgement in ko.csv, pass or fail.

local L = require "tender.lib"

local M = {}

local function plural(n, one, many)
  return string.format("%d %s", n, n == 1 and one or many)
end

-- Whether a bid submitted at `submitted` (text) came after `closing` (the
-- stamp of [tender] closing, L.stamp).
function M.late(closing, submitted)
  return L.stamp(submitted) > closing
end

-- The rate cap.  Returns pass, detail, rounded rate.
function M.check_rate(cfg, rate)
  local max = cfg.requirements.max_rate
  if cfg.requirements.rate_rounding == "reject" then
    if rate ~= math.floor(rate) then
      return false, "aangeboden " .. L.eur(rate) .. " (geen heel bedrag in euro's)", rate
    end
    return rate <= max, "aangeboden " .. L.eur(rate), rate
  end
  local rounded = L.round(rate, 0)
  local detail = "aangeboden " .. L.eur(rate)
  if rounded ~= rate then
    detail = detail .. " (afgerond " .. L.eur_short(rounded) .. ")"
  end
  return rounded <= max, detail, rounded
end

-- M.check_rate, remembered per rate within one run (many bids offer the
-- same rate; the answer depends on nothing else).
function M.rate_checker(cfg)
  local answer = L.memo(function(rate) return table.pack(M.check_rate(cfg, rate)) end)
  return function(rate)
    local r = answer(rate)
    return r[1], r[2], r[3]
  end
end

-- "aangeleverd: 1 cv en 1 motivatiebrief", made once per pair of counts
-- (most bids deliver the same documents).
local delivered_text = {}
local function delivered(cv, mot)
  local by_mot = L.sub(delivered_text, cv)
  local text = by_mot[mot]
  if not text then
    text = "aangeleverd: " .. plural(cv, "cv", "cv's") .. " en "
           .. plural(mot, "motivatiebrief", "motivatiebrieven")
    by_mot[mot] = text
  end
  return text
end

-- The documents of bid b (cv_count, motivation_count).  Returns pass, detail.
function M.check_documents(cfg, bid)
  local cv, mot = bid.cv_count, bid.motivation_count
  local want_cv, want_mot = cfg.requirements.cv_count, cfg.requirements.motivation_count
  local ok = not L.is_null(cv) and not L.is_null(mot) and cv == want_cv and mot == want_mot
  local detail = delivered(L.is_null(cv) and 0 or cv, L.is_null(mot) and 0 or mot)
  return ok, detail
end

return M

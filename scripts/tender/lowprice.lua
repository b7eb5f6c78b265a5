-- tender/lowprice.lua - step 5a: the abnormally-low price flag.
--
-- Rule (§1.2): a bid is flagged when P < (1 − a) × median(other admitted
-- bids), a = [award] abnormal_low_fraction (default 0.30).  This is a
-- heuristic: a flag is never an exclusion (Aanbestedingswet art. 2.116: ask
-- the bidder for an explanation first).  The decision is recorded in the
-- optional input low_price_decisions (read by price.lua); until then the
-- flag is shown in ranking.csv (column flags) and the report.
--
-- The comparison is exact: prices in cents and the fraction in units of
-- 1/10000 are compared as integers.
--
-- Writes `low_price`: bid_id, price, median_others, threshold, flagged, and
-- `low_price_flagged` (true when any bid is flagged).

local L = require "tender.lib"

local function run(step)
  local cfg = L.load_config()
  local bids = L.index("bids", "bid_id")
  local admission = L.rows("admission")
  local a = cfg.award.abnormal_low_fraction
  local a_bp = math.tointeger(L.round(a * 10000, 0)) or 3000 -- basis points

  local ids, cents = {}, {}
  for _, ad in ipairs(admission) do
    if ad.admitted then
      ids[#ids + 1] = ad.bid_id
      cents[ad.bid_id] = math.tointeger(L.round(bids[ad.bid_id].rate_excl_vat_eur * 100, 0))
    end
  end

  -- All admitted prices sorted once; "the others" of a bid are that list
  -- with one copy of its own price taken out, so the k-th of the others is
  -- sorted[k] before that copy and sorted[k + 1] from it on.
  local sorted = {}
  for i, id in ipairs(ids) do sorted[i] = cents[id] end
  table.sort(sorted)
  local first_at = {}
  for i = #sorted, 1, -1 do first_at[sorted[i]] = i end
  local function other(k, skip)
    if k < skip then return sorted[k] end
    return sorted[k + 1]
  end

  local out = {}
  for _, id in ipairs(ids) do
    local skip = first_at[cents[id]]
    local flagged, med, threshold = false, nil, nil
    local n = #sorted - 1
    if n > 0 then
      -- twice the median, as an integer number of cents
      local med2 = n % 2 == 1 and 2 * other((n + 1) // 2, skip)
                   or other(n // 2, skip) + other(n // 2 + 1, skip)
      -- P < (1 − a) × med  <=>  P × 2 × 10000 < (10000 − a_bp) × med2
      flagged = cents[id] * 2 * 10000 < (10000 - a_bp) * med2
      med = med2 / 200
      threshold = (10000 - a_bp) * med2 / 2000000
    end
    if flagged then
      regie.warn(string.format("bid %s: price %s is abnormally low (below %s = (1 − %s) × median %s of the other admitted bids): ask the bidder for an explanation (art. 2.116); not excluded",
                               id, L.fmt(cents[id] / 100, 2), L.fmt(threshold, 2), L.str(a), L.fmt(med, 2)))
    end
    out[#out + 1] = { bid_id = id, price = cents[id] / 100, median_others = med, threshold = threshold,
                      flagged = flagged }
  end
  local any = false
  for _, r in ipairs(out) do any = any or r.flagged end
  regie.output("low_price", out, { "bid_id", "price", "median_others", "threshold", "flagged" })
  -- for a later wait step: `when = low_price_flagged and not low_price_decisions`
  regie.output("low_price_flagged", any)
end

return {
  summary = "Flag abnormally low prices (never an automatic exclusion)",
  params = {},
  run = run,
}

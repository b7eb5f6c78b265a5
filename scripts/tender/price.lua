-- tender/price.lua - step 5b: price points (§1.2).
--
-- The formula is chosen with [award] price_method; each one is a small
-- function below, so a formula can be switched or edited here alone.
--   P      the bid's price (rate excl. VAT as offered)
--   P_low  the lowest price among the admitted bids
--   MP     [award] price_points
--   none                 no price points (quality only)
--   lowest_ratio         MP × P_low / P
--   linear_ceiling       MP × (P_ceil − P) / (P_ceil − P_floor), clamped to
--                        [0, MP]; P_ceil = price_ceiling, P_floor =
--                        price_floor or P_low
--   relative_deviation   MP × (1 − (P − P_low) / P_low), never below 0
--   fictitious_discount  F = P − Σ V_c × fraction_c, fraction_c = pts_c /
--                        max_points_c, V_c = value_eur of the criterion or
--                        max_points × discount_value_per_point; the lowest F
--                        wins (gunnen op waarde)
--
-- Abnormally low prices (lowprice.lua) are only flagged.  A decision in the
-- optional input low_price_decisions (bid_id, decision accept|reject,
-- reason) is applied here: a rejected bid is excluded and takes no part in
-- P_low.
--
-- With [scoring] round_stage = criterion the criterion points used here and
-- the price points / discount are rounded to round_decimals.
--
-- Exact arithmetic: every value in ctx and every price P is a regie.decimal
-- (prices and settings by the decimal text they were written as), so a
-- formula computes exactly and rounds only where round_stage says.  A
-- formula edited here keeps that: a decimal refuses a Lua float (write
-- D("0.5"), not 0.5); integers mix freely.
--
-- Writes `prices`: bid_id, price, priced, price_points, discount,
-- fictitious, low_flag, low_decision, low_reason, and the exact values as
-- text: price_points_exact, discount_exact, fictitious_exact.

local L = require "tender.lib"

local D = L.D
local M = {}

M.methods = {
  none = function(P, ctx)
    return nil
  end,
  lowest_ratio = function(P, ctx)
    return ctx.MP * ctx.P_low / P
  end,
  linear_ceiling = function(P, ctx)
    local v = ctx.MP * (ctx.P_ceil - P) / (ctx.P_ceil - ctx.P_floor)
    if v < 0 then v = D(0) end
    if v > ctx.MP then v = ctx.MP end
    return v
  end,
  relative_deviation = function(P, ctx)
    local v = ctx.MP * (1 - (P - ctx.P_low) / ctx.P_low)
    return v < 0 and D(0) or v
  end,
  fictitious_discount = function(P, ctx, discount)
    return nil, P - discount
  end,
}

-- Σ V_c × fraction_c for one bid; pts: crit_id -> points (decimals).
function M.discount(pts, crit, cfg)
  local d = D(0)
  local per_point = L.exact(cfg.award.discount_value_per_point) or 0
  for _, c in ipairs(crit.award) do
    local Mc = L.exact(c.max_points)
    local V = L.exact(c.value_eur) or Mc * per_point
    d = d + V * (pts[c.id] or 0) / Mc
  end
  return d
end

function M.run(step)
  local cfg = L.load_config()
  local crit = L.criteria(regie.input("criteria"))
  local bids = L.index("bids", "bid_id")
  local admission = L.rows("admission")
  local low = L.index("low_price", "bid_id")
  local decisions = L.index("low_price_decisions", "bid_id")
  local method = cfg.award.price_method
  local dec = cfg.scoring.round_decimals
  local by_crit = cfg.scoring.round_stage == "criterion"

  -- criterion points per bid (rounded at the criterion stage); only the
  -- fictitious discount uses them, so only then is `quality` read
  local pts = {}
  if method == "fictitious_discount" then
    for _, q in ipairs(L.rows("quality")) do
      pts[q.bid_id] = pts[q.bid_id] or {}
      local v = L.exact_field(q, "points")
      pts[q.bid_id][q.crit_id] = by_crit and v:round(dec) or v
    end
  end

  local rows, priced = {}, {}
  for _, a in ipairs(admission) do
    local b = bids[a.bid_id]
    local lp = low[a.bid_id]
    local d = decisions[a.bid_id]
    local decision = d and L.trim(L.str(d.decision)):lower() or ""
    local row = { bid_id = a.bid_id, price = b.rate_excl_vat_eur, priced = false,
                  low_flag = lp ~= nil and lp.flagged == true, low_decision = decision,
                  low_reason = d and L.str(d.reason) or "" }
    if a.admitted and decision ~= "reject" then
      row.priced = true
      if method ~= "none" then row.P = L.exact(row.price) end
      priced[#priced + 1] = row
    end
    if a.admitted and decision == "reject" then
      regie.warn(string.format("bid %s excluded: abnormally low price rejected (%s)", a.bid_id, row.low_reason))
    end
    if d and not row.low_flag then
      regie.warn(string.format("low_price_decisions: bid %s was not flagged as abnormally low; decision %s recorded anyway",
                               a.bid_id, decision))
    end
    rows[#rows + 1] = row
  end

  local ctx = { MP = L.exact(cfg.award.price_points) or D(0) }
  if #priced > 0 and method ~= "none" then
    ctx.P_low = priced[1].P
    for _, r in ipairs(priced) do
      if r.P < ctx.P_low then ctx.P_low = r.P end
    end
  end
  if method == "linear_ceiling" and ctx.P_low then
    ctx.P_ceil = L.exact(cfg.award.price_ceiling)
    ctx.P_floor = L.exact(cfg.award.price_floor) or ctx.P_low
    if ctx.P_ceil <= ctx.P_floor then
      regie.data_error(cfg.source, cfg.line["award.price_ceiling"] or 0, "price_ceiling",
                       cfg.raw["award.price_ceiling"] or L.str(ctx.P_ceil),
                       string.format("more than price_floor (%s%s)", L.str(ctx.P_floor),
                                     cfg.award.price_floor and "" or ", the lowest admitted bid"))
      return
    end
  end

  local fn = M.methods[method]
  -- a formula's result as a decimal (an integer such as 0 is one too)
  local function exact_result(v, what)
    if v == nil then return nil end
    if math.type(v) == "float" then
      error(string.format("tender/price.lua: price_method %s gave %s %s, a floating-point number: compute with regie.decimal values",
                          method, what, tostring(v)), 0)
    end
    return D(v)
  end
  for _, r in ipairs(priced) do
    if method == "fictitious_discount" then
      local disc = M.discount(pts[r.bid_id] or {}, crit, cfg)
      if by_crit then disc = disc:round(dec) end
      local _, F = fn(r.P, ctx, disc)
      F = exact_result(F, "F")
      r.discount, r.discount_exact = disc:tonumber(), tostring(disc)
      r.fictitious, r.fictitious_exact = F:tonumber(), tostring(F)
    else
      local pp = exact_result(fn(r.P, ctx), "price points")
      if pp then
        if by_crit then pp = pp:round(dec) end
        r.price_points, r.price_points_exact = pp:tonumber(), tostring(pp)
      end
    end
    r.P = nil
  end
  regie.output("prices", rows, { "bid_id", "price", "priced", "price_points", "discount", "fictitious",
                                 "low_flag", "low_decision", "low_reason", "price_points_exact",
                                 "discount_exact", "fictitious_exact" })
end

return {
  summary = "Price points with the formula of [award] price_method",
  params = {},
  run = M.run,
  methods = M.methods,
  discount = M.discount,
}

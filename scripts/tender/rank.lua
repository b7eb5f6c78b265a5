-- tender/rank.lua - step 6: totals, rounding, ranking and tie-break.
--
-- Rules (§0, §1.2):
--  * Q = Σ pts_c; with a price method that gives points, Q' = Q × W_Q / Q_max
--    (W_Q = total_points − price_points, Q_max = Σ max_points) and
--    T = Q' + price points; without one T = Q; with fictitious_discount the
--    total is F (euros, lower is better);
--  * full precision until [scoring] round_stage (total: only T is rounded;
--    criterion: every criterion's points, Q', the price points and T are
--    rounded) to round_decimals, half-up on the exact value (every sum,
--    scaling and total is exact: regie.decimal); the ranking uses the
--    rounded T;
--  * equal rounded totals are separated by the [ranking] tiebreak rules in
--    order:
--      criterion:ID          more points (rounded) on criterion ID wins
--      price                 the lower price wins
--      preference:FIELD=VAL  a bid whose bids.csv column FIELD is VAL wins
--      lot                   lot_mode = seeded: ascending FNV-1a-64 of
--                            "<lot_seed>|<bid_id>"; lot_mode = external: the
--                            order of the input draw (the physical draw's
--                            result: bid_id,position,drawn_by,drawn_at) or
--                            of lot_result, or else the tie stays open and
--                            the draw is recorded as needed.
--    Bids still tied after a list without lot are ordered by the input
--    tie_decision (the committee's order: bid_id,position,decided_by), or
--    share a rank.  A shared rank that straddles a cut (the award: first
--    place; the invite_top_n places invited to interview) is written to
--    draw_needed or tie_decision_needed, naming the bids: the run waits for
--    the draw or the committee before anything is decided.
--
-- Writes `ranking` (one row per bid, with the exact values as text beside
-- the numbers: quality_exact, quality_scaled_exact, price_points_exact,
-- discount_exact, total_exact), `tiebreak` (the record of every rule
-- applied to a tie) and `lots` (every hash of a seeded draw, or the bids of
-- a pending external draw), `draw_needed` and `tie_decision_needed` (the
-- ties at a cut, as text; empty when there are none).

local L = require "tender.lib"

-- "A, B" of entries or rows with a bid_id
local function ids_of(list)
  local t = {}
  for _, e in ipairs(list) do t[#t + 1] = e.bid_id end
  return table.concat(t, ", ")
end

local function run(step)
  local cfg = L.load_config()
  local crit = L.criteria(regie.input("criteria"))
  local bid_order = L.rows("bids") -- read once: the file order and the index share the rows
  local bids = L.index_of(bid_order, "bid_id")
  local prices = L.index("prices", "bid_id")
  local dec = cfg.scoring.round_decimals
  local by_crit = cfg.scoring.round_stage == "criterion"
  local fict = L.is_fictitious(cfg)
  local scaled = L.uses_price_points(cfg)

  local exact = L.exact
  local ZERO = L.D(0)
  local pts = {}
  -- only the three columns used here (quality has many, with lists and
  -- texts), as values: no table per record; the points exactly
  for _, bid, crit_id, points in regie.each("quality", { "bid_id", "crit_id", "points_exact" }) do
    L.sub(pts, bid)[crit_id] = exact(points) -- each distinct text made a decimal once
  end
  -- W_Q / Q_max, exactly (§1.2: Q' = Q × W_Q / Q_max)
  local WQ = scaled and exact(cfg.award.total_points) - exact(cfg.award.price_points)

  -- totals
  local entries = {}
  for _, b in ipairs(bid_order) do
    local p = prices[b.bid_id]
    if p and p.priced then
      local e = { bid_id = b.bid_id, price = b.rate_excl_vat_eur, pts = {} }
      local mine = pts[b.bid_id] or {}
      local Q = ZERO
      for _, c in ipairs(crit.award) do
        local v = mine[c.id] or ZERO
        if by_crit then v = v:round(dec) end
        e.pts[c.id] = v
        Q = Q + v
      end
      if by_crit then Q = Q:round(dec) end
      e.quality = Q
      if scaled then
        local Qs = Q * WQ / crit.max_total_exact
        if by_crit then Qs = Qs:round(dec) end
        e.quality_scaled = Qs
        e.price_points = L.exact_field(p, "price_points") or ZERO
        e.total = Qs + e.price_points
      elseif fict then
        e.discount = L.exact_field(p, "discount")
        e.total = L.exact_field(p, "fictitious")
      else
        e.total = Q
      end
      -- rank on the rounded total (§0): as the number nearest to it, equal
      -- for equal rounded totals and in the same order
      e.score = e.total:round(dec):tonumber()
      entries[#entries + 1] = e
    end
  end

  -- primary order: the rounded total (high to low; F low to high), bids
  -- with equal totals by bid_id.  The bids are put together by total
  -- first: each such group is a tie group when it holds more than one bid.
  local with_score, scores = L.group_by(entries, function(e) return e.score end)
  table.sort(scores, function(a, b)
    if fict then return a < b end
    return a > b
  end)
  local function by_bid_id(a, b) return a.bid_id < b.bid_id end

  -- tie-break
  local rules = cfg.ranking.tiebreak or {}
  local records, lots = {}, {}
  local lot_result_pos = {}
  for i, id in ipairs(cfg.ranking.lot_result or {}) do lot_result_pos[id] = i end
  local seed = cfg.ranking.lot_seed or ""
  local group_no = 0

  -- The orders people give for a tie (§1.2): the result of a physical draw
  -- (input draw: bid_id,position,drawn_by,drawn_at) for lot_mode =
  -- external, and the committee's decision (input tie_decision:
  -- bid_id,position,decided_by,...) for bids still tied after every rule.
  -- Each is used for a tie group only when it places every bid of it.
  local given = {}
  for _, kind in ipairs({ "draw", "tie_decision" }) do
    local ds = regie.input(kind)
    local g = { src = L.basename(L.source(ds, kind .. ".csv")), rows = L.rows(kind), used = {} }
    g.of = L.index_of(g.rows, "bid_id")
    given[kind] = g
  end
  local bad_given = 0
  -- The group in the order `kind` gives, or nil when it does not place
  -- every bid of the group (or places two on one position: an error).
  local function given_order(kind, group)
    local g = given[kind]
    local n = 0
    for _, e in ipairs(group) do
      if g.of[e.bid_id] then n = n + 1 end
    end
    if n < #group then
      if n > 0 then
        -- part of the group: an error at the first row, the others taken as read
        local first, missing = nil, {}
        for _, e in ipairs(group) do
          local r = g.of[e.bid_id]
          if r then
            g.used[e.bid_id] = true
            if not first or r._line < first._line then first = r end
          else
            missing[#missing + 1] = e.bid_id
          end
        end
        bad_given = bad_given + 1
        regie.data_error(g.src, first._line, "bid_id", first.bid_id,
                         string.format("every bid of the tie %s in %s (missing: %s)", ids_of(group), g.src,
                                       table.concat(missing, ", ")))
      end
      return nil
    end
    local sorted, seen, twice = {}, {}, false
    for _, e in ipairs(group) do
      local r = g.of[e.bid_id]
      g.used[e.bid_id] = true
      if seen[r.position] then
        twice = true
        bad_given = bad_given + 1
        regie.data_error(g.src, r._line, "position", L.str(r.position),
                         string.format("a position no other bid of the tie (%s) has (%s has it)",
                                       ids_of(group), seen[r.position]))
      end
      seen[r.position] = e.bid_id
      sorted[#sorted + 1] = e
    end
    if twice then
      return nil
    end
    table.sort(sorted, function(a, b) return g.of[a.bid_id].position < g.of[b.bid_id].position end)
    return sorted
  end

  -- texts of values with `dec` decimals, made once per distinct value (a
  -- criterion's points and the tied totals take only a few values)
  local fmt_dec = L.memo(function(v) return L.fmt(v, dec) end)

  -- A tie-break rule other than lot, worked out once per rule: `better`
  -- compares two values, `value(e)` gives a bid's value and its text for
  -- the record.
  local function higher(x, y) return x > y end
  local function lower(x, y) return x < y end
  local rule_cache = {}
  local function rule_of(rule)
    if rule_cache[rule] then
      return rule_cache[rule]
    end
    local kind, arg = rule:match("^(%a+):(.+)$")
    local r
    if rule == "price" then
      r = { better = lower, value = function(e)
        return e.price, L.fmt(e.price, 2)
      end }
    elseif kind == "criterion" then
      r = { better = higher, value = function(e)
        local v = (e.pts[arg] or ZERO):round(dec):tonumber()
        return v, fmt_dec(v)
      end }
    elseif kind == "preference" then
      local field, want = arg:match("^([%w_]+)=(.+)$")
      local wanted = L.trim(want):lower()
      r = { better = higher, value = function(e)
        local have = L.trim(L.str(bids[e.bid_id][field]))
        return have:lower() == wanted and 1 or 0, field .. "=" .. have
      end }
    else
      error("unknown tie-break rule " .. rule)
    end
    rule_cache[rule] = r
    return r
  end

  -- returns a list of blocks {entries..., open = nil | "lot_pending" | "tie"}
  local function resolve(group, ri, gno)
    if #group == 1 then
      return { { group[1] } }
    end
    local rule = rules[ri]
    if not rule then
      local decided = given_order("tie_decision", group)
      if decided then
        local g = given.tie_decision
        local out = {}
        for pos, e in ipairs(decided) do
          local r = g.of[e.bid_id]
          local by = L.str(r.decided_by)
          local at = L.str(r.decided_at)
          records[#records + 1] = { group = gno, step = ri, rule = "besluit", bid_id = e.bid_id,
                                    value = g.src .. ":" .. r._line,
                                    outcome = string.format("besluit commissie: plaats %d (%s%s%s)", pos, by,
                                                            at ~= "" and (", " .. at) or "",
                                                            L.str(r.reason) ~= "" and (": " .. L.str(r.reason)) or "") }
          e.decided = true
          out[#out + 1] = { e }
        end
        regie.info(string.format("tie between %s decided by %s (%s)", ids_of(decided),
                                 L.str(g.of[decided[1].bid_id].decided_by), g.src))
        return out
      end
      for _, e in ipairs(group) do
        records[#records + 1] = { group = gno, step = ri, rule = "-", bid_id = e.bid_id,
                                  value = "", outcome = "gelijk (geen regel meer)" }
      end
      local blk = {}
      for _, e in ipairs(group) do blk[#blk + 1] = e end
      blk.open = "tie"
      return { blk }
    end
    if rule == "lot" then
      if cfg.ranking.lot_mode == "seeded" then
        for _, e in ipairs(group) do
          e.hash = L.fnv1a64(seed .. "|" .. e.bid_id)
        end
        local sorted = {}
        for _, e in ipairs(group) do sorted[#sorted + 1] = e end
        table.sort(sorted, function(a, b) return L.hash_less(a.hash, b.hash) end)
        local out = {}
        for pos, e in ipairs(sorted) do
          lots[#lots + 1] = { group = gno, bid_id = e.bid_id, input = seed .. "|" .. e.bid_id,
                              hash = L.hex64(e.hash), position = pos, mode = "seeded" }
          records[#records + 1] = { group = gno, step = ri, rule = rule, bid_id = e.bid_id,
                                    value = L.hex64(e.hash), outcome = "lot: plaats " .. pos }
          e.flag_lot = true
          out[#out + 1] = { e }
        end
        return out
      end
      -- external: the result of the physical draw (input draw), if it
      -- places the whole group
      local drawn = given_order("draw", group)
      if drawn then
        local g = given.draw
        local out = {}
        for pos, e in ipairs(drawn) do
          local r = g.of[e.bid_id]
          local at = g.src .. ":" .. r._line
          lots[#lots + 1] = { group = gno, bid_id = e.bid_id, input = at, hash = "", position = pos,
                              mode = "drawn", drawn_by = L.str(r.drawn_by), drawn_at = L.str(r.drawn_at),
                              place = L.str(r.place) }
          records[#records + 1] = { group = gno, step = ri, rule = rule, bid_id = e.bid_id, value = at,
                                    outcome = string.format("loting: plaats %d (getrokken door %s, %s)", pos,
                                                            L.str(r.drawn_by), L.str(r.drawn_at)) }
          e.flag_lot = true
          out[#out + 1] = { e }
        end
        regie.info(string.format("draw by lot between %s: %s, drawn by %s at %s (%s)", ids_of(group),
                                 ids_of(drawn), L.str(g.of[drawn[1].bid_id].drawn_by),
                                 L.str(g.of[drawn[1].bid_id].drawn_at), g.src))
        return out
      end
      -- or the order of lot_result in [ranking], if it covers the group
      local all = true
      for _, e in ipairs(group) do
        if not lot_result_pos[e.bid_id] then all = false end
      end
      if all then
        local sorted = {}
        for _, e in ipairs(group) do sorted[#sorted + 1] = e end
        table.sort(sorted, function(a, b) return lot_result_pos[a.bid_id] < lot_result_pos[b.bid_id] end)
        local out = {}
        for pos, e in ipairs(sorted) do
          lots[#lots + 1] = { group = gno, bid_id = e.bid_id, input = "", hash = "", position = pos,
                              mode = "external" }
          records[#records + 1] = { group = gno, step = ri, rule = rule, bid_id = e.bid_id,
                                    value = "lot_result", outcome = "loting: plaats " .. pos }
          e.flag_lot = true
          out[#out + 1] = { e }
        end
        return out
      end
      local blk = {}
      for _, e in ipairs(group) do
        blk[#blk + 1] = e
        lots[#lots + 1] = { group = gno, bid_id = e.bid_id, input = "", hash = "", position = nil,
                            mode = "pending" }
        records[#records + 1] = { group = gno, step = ri, rule = rule, bid_id = e.bid_id,
                                  value = "", outcome = "loting nodig (nog niet gehouden)" }
      end
      blk.open = "lot_pending"
      return { blk }
    end
    -- The bids by the rule's value, best value first.  A group always
    -- comes in bid_id order (a tie group is sorted by bid_id before it is
    -- resolved, and each step here keeps the order), so bids with equal
    -- values stay in bid_id order.
    local rl = rule_of(rule)
    local texts = {}
    local with_value, values = L.group_by(group, function(e)
      local v, t = rl.value(e)
      texts[e] = t
      return v
    end)
    table.sort(values, rl.better)
    local out, place = {}, 1
    for _, v in ipairs(values) do
      local sub = with_value[v]
      for _, e in ipairs(sub) do
        records[#records + 1] = { group = gno, step = ri, rule = rule, bid_id = e.bid_id,
                                  value = texts[e],
                                  outcome = #sub > 1 and "nog gelijk" or ("beslist: plaats " .. place) }
      end
      if #sub == 1 then
        out[#out + 1] = sub -- decided: a block of its own
      else
        for _, blk in ipairs(resolve(sub, ri + 1, gno)) do out[#out + 1] = blk end
      end
      place = place + #sub
    end
    return out
  end

  local blocks = {}
  for _, score in ipairs(scores) do
    local group = with_score[score]
    table.sort(group, by_bid_id)
    if #group > 1 then
      group_no = group_no + 1
      for _, e in ipairs(group) do
        e.tie_group = group_no
        records[#records + 1] = { group = group_no, step = 0, rule = "totaal", bid_id = e.bid_id,
                                  value = fmt_dec(e.score), outcome = "gelijke stand" }
      end
      for _, blk in ipairs(resolve(group, 1, group_no)) do blocks[#blocks + 1] = blk end
    else
      blocks[#blocks + 1] = group
    end
  end

  -- ranks
  local rank_of, open_of = {}, {}
  local pos = 1
  -- A shared rank (a tie no rule separates, or one awaiting an external
  -- draw) that straddles a cut deciding something: the places invited to
  -- interview (invite_top_n) or the award (first place).  The run waits
  -- for the draw's result or the committee's decision, naming the bids
  -- (§1.2); it never invites more bids than there are places and never
  -- decides by file order.
  local n_invite = cfg.interviews.invite_top_n
  local needed = { lot_pending = {}, tie = {} }
  local warnings = {} -- given once the draw and the decision are known to be sound
  for _, blk in ipairs(blocks) do
    for _, e in ipairs(blk) do
      rank_of[e.bid_id] = pos
      open_of[e.bid_id] = blk.open
    end
    local last = pos + #blk - 1
    if blk.open and #blk > 1 then
      local ids = ids_of(blk)
      local cut
      if pos == 1 then
        cut = "the award (first place)"
      elseif pos <= n_invite and last > n_invite then
        cut = string.format("the %d place%s invited to interview", n_invite, n_invite == 1 and "" or "s")
      end
      if cut then
        local what = string.format("%s at rank %d-%d across %s", ids, pos, last, cut)
        table.insert(needed[blk.open], what)
        if blk.open == "lot_pending" then
          warnings[#warnings + 1] = string.format("tie between %s at %s: the run waits for the result of the "
                                                  .. "physical draw (lot_mode = external; input draw: "
                                                  .. "bid_id,position,drawn_by,drawn_at)", ids, cut)
        else
          warnings[#warnings + 1] = string.format("tie between %s after every tie-break rule (%s) at %s: the run "
                                                  .. "waits for the committee's decision (input tie_decision: "
                                                  .. "bid_id,position,decided_by)", ids, table.concat(rules, ","), cut)
        end
      elseif blk.open == "lot_pending" then
        warnings[#warnings + 1] = string.format("tie between %s: a draw by lot is needed (lot_mode = external, no draw "
                                                .. "yet); it decides no place, so the bids share rank %d", ids, pos)
      end
    end
    pos = pos + #blk
  end

  -- every row of draw and tie_decision must have placed a bid of a tie
  for _, kind in ipairs({ "draw", "tie_decision" }) do
    local g = given[kind]
    for _, r in ipairs(g.rows) do
      if not g.used[r.bid_id] then
        bad_given = bad_given + 1
        local open = {}
        for _, blk in ipairs(blocks) do
          if blk.open == (kind == "draw" and "lot_pending" or "tie") then open[#open + 1] = ids_of(blk) end
        end
        regie.data_error(g.src, r._line, "bid_id", r.bid_id,
                         string.format("a bid of a tie %s (%s)",
                                       kind == "draw" and "awaiting the draw" or "no tie-break rule separates",
                                       #open > 0 and table.concat(open, "; ") or "there is none"))
      end
    end
  end
  if bad_given > 0 then
    return
  end
  for _, w in ipairs(warnings) do regie.warn(w) end

  local by_id = {}
  for _, e in ipairs(entries) do by_id[e.bid_id] = e end
  local function num(v) return v and v:tonumber() end
  local function text(v) return v and tostring(v) end
  local row_of, unranked = {}, {}
  for _, b in ipairs(bid_order) do
    local e = by_id[b.bid_id]
    local flags = {}
    if e then
      if e.tie_group then flags[#flags + 1] = "tie" end
      if e.flag_lot then flags[#flags + 1] = "lot" end
      if e.decided then flags[#flags + 1] = "decided" end
      if open_of[b.bid_id] then flags[#flags + 1] = open_of[b.bid_id] end
    else
      unranked[#unranked + 1] = b.bid_id
    end
    row_of[b.bid_id] = {
      bid_id = b.bid_id,
      rank = e and rank_of[b.bid_id] or nil,
      quality = e and num(e.quality) or nil,
      quality_scaled = e and num(e.quality_scaled) or nil,
      price_points = e and num(e.price_points) or nil,
      discount = e and num(e.discount) or nil,
      total = e and num(e.total) or nil,
      quality_exact = e and text(e.quality) or nil,
      quality_scaled_exact = e and text(e.quality_scaled) or nil,
      price_points_exact = e and text(e.price_points) or nil,
      discount_exact = e and text(e.discount) or nil,
      total_exact = e and text(e.total) or nil,
      score = e and e.score or nil,
      tie_group = e and e.tie_group or nil,
      open = e and open_of[b.bid_id] or nil,
      flags = L.list(flags),
    }
  end
  -- the rows by rank: block by block (each block is one rank), bids that
  -- share a rank by bid_id; then the bids without a rank, by bid_id
  local out = {}
  for _, blk in ipairs(blocks) do
    if #blk == 1 then
      out[#out + 1] = row_of[blk[1].bid_id]
    else
      local ids = {}
      for _, e in ipairs(blk) do ids[#ids + 1] = e.bid_id end
      table.sort(ids)
      for _, id in ipairs(ids) do out[#out + 1] = row_of[id] end
    end
  end
  table.sort(unranked)
  for _, id in ipairs(unranked) do out[#out + 1] = row_of[id] end
  regie.info(string.format("%d bid(s) ranked, %d tie group(s)", #entries, group_no))
  regie.output("ranking", out, { "bid_id", "rank", "quality", "quality_scaled", "price_points", "discount",
                                 "total", "score", "tie_group", "open", "flags", "quality_exact",
                                 "quality_scaled_exact", "price_points_exact", "discount_exact",
                                 "total_exact" })
  regie.output("tiebreak", records, { "group", "step", "rule", "bid_id", "value", "outcome" })
  regie.output("lots", lots, { "group", "bid_id", "input", "hash", "position", "mode", "drawn_by", "drawn_at",
                               "place" })
  regie.output("draw_needed", table.concat(needed.lot_pending, "; "))
  regie.output("tie_decision_needed", table.concat(needed.tie, "; "))
end

return {
  summary = "Totals, rounding, ranking and tie-break (criterion, price, preference, lot)",
  params = {},
  run = run,
}

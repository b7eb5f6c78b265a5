-- tender/quality.lua - step 4: quality scoring of the award criteria.
--
-- Rules (§1.2):
--  * graded criterion: pts = max_points × aggregate(levels) / 100 with
--    [scoring] aggregation = mean | median | consensus;
--  * binary criterion: max_points or 0 (levels 0 or 100).  When several
--    evaluators disagree (some 100, some 0) the bid's score on it waits for
--    a CONSENSUS score of that bid and criterion, naming the evaluators who
--    differ: no mean, no majority.  The agreed score comes as a CONSENSUS
--    row in scores.csv or as a row of the optional input consensus
--    (bid_id,crit_id,level,motivation), given when the run is resumed;
--  * evaluator CONSENSUS is one agreed score: it replaces the individual
--    levels of that bid and criterion (with aggregation = consensus it is
--    required for every bid and criterion); a row of the consensus input
--    counts as one, and before a CONSENSUS row in scores.csv;
--  * points are exact (regie.decimal): M × Σ levels / (n × 100), no binary
--    floating point, no rounding here (rank.lua rounds where round_stage
--    says);
--  * every evaluator scores every award criterion of every admitted bid:
--    validate.lua reports missing scores before any step acts, at the
--    bid's line of bids.csv; the same check here is the last guard;
--  * evaluators more than spread_warning_steps scale steps apart get a warning;
--  * scores for excluded bids are ignored with a warning.
--
-- Writes `quality`: bid_id, crit_id, evaluators, levels, motivations (lists
-- in evaluator order), level (the aggregate), points (the nearest number),
-- points_exact (the exact value as text: "19.425", "125/6"), spread,
-- consensus, disagreed (binary: the evaluators who differed, "Jansen 100,
-- Bakker 0"), consensus_from (where the agreed score was recorded,
-- "consensus.csv:2"); `quality_notes` (warnings for the report); and
-- `consensus_needed` (true while a binary criterion waits for a consensus:
-- the step await_consensus then holds the run).

local L = require "tender.lib"

local CONSENSUS = L.CONSENSUS

local function run(step)
  local cfg = L.load_config()
  local crit = L.criteria(regie.input("criteria"))
  local admission = L.rows("admission")
  local ssrc = L.source(regie.describe("scores"), "scores.csv")
  local agg = cfg.scoring.aggregation
  local scale = cfg.scoring.scale
  -- the position of a level on the scale, once per distinct level
  local scale_idx = {}
  for i, v in ipairs(scale) do scale_idx[L.str(v)] = i end
  local scale_step = L.memo(function(level) return scale_idx[L.str(level)] end)
  local max_steps = cfg.scoring.spread_warning_steps
  local exact = L.exact
  local ZERO = L.D(0)

  local admitted = {}
  for _, a in ipairs(admission) do admitted[a.bid_id] = a.admitted end

  -- scores by bid and criterion (cell[bid][crit][evaluator] = the row's
  -- position); evaluators in order of appearance.  The largest file is
  -- read a row at a time (regie.each): of each row only its level and
  -- motivation are kept (level_at[i], motivation_at[i]), no table per row.
  local cell, evaluators, seen_ev, ignored = {}, {}, {}, {}
  local level_at, motivation_at = {}, {}
  local cons_line = {} -- the line of each CONSENSUS row (for the report)
  for i, bid, crit_id, evaluator, level, motivation, line in
      regie.each("scores", { "bid_id", "crit_id", "evaluator", "level", "motivation", "_line" }) do
    level_at[i], motivation_at[i] = level, motivation
    local ev = L.evaluator(evaluator)
    if ev == CONSENSUS then cons_line[i] = line end
    if ev ~= CONSENSUS and not seen_ev[ev] then
      seen_ev[ev] = true
      evaluators[#evaluators + 1] = ev
    end
    local admit = admitted[bid]
    if admit then
      L.sub(L.sub(cell, bid), crit_id)[ev] = i
    elseif admit == false then
      ignored[bid] = (ignored[bid] or 0) + 1
    end
  end

  -- agreed scores given as the input consensus (after the run waited for
  -- them): one CONSENSUS score per row, checked here as scores.csv is
  local agreed = {}
  local csrc = L.basename(L.source(regie.describe("consensus"), "consensus.csv"))
  local crit_by_id = {}
  for _, c in ipairs(crit.award) do crit_by_id[c.id] = c end
  local bad = 0
  for _, r in ipairs(L.rows("consensus")) do
    local c = crit_by_id[r.crit_id]
    if not c then
      bad = bad + 1
      regie.data_error(csrc, r._line, "crit_id", r.crit_id, "an award criterion of criteria.csv")
    elseif admitted[r.bid_id] == nil then
      bad = bad + 1
      regie.data_error(csrc, r._line, "bid_id", r.bid_id, "a bid of bids.csv")
    elseif c.scale == "binary" and r.level ~= 0 and r.level ~= 100 then
      bad = bad + 1
      regie.data_error(csrc, r._line, "level", L.str(r.level),
                       string.format("0 or 100 (criterion %s is binary)", c.id))
    elseif c.scale ~= "binary" and not scale_step(r.level) then
      bad = bad + 1
      regie.data_error(csrc, r._line, "level", L.str(r.level),
                       "a level on the scale " .. table.concat((function()
                         local t = {} for i, v in ipairs(scale) do t[i] = L.str(v) end return t end)(), ","))
    elseif L.sub(agreed, r.bid_id)[r.crit_id] then
      bad = bad + 1
      regie.data_error(csrc, r._line, "crit_id", r.crit_id,
                       string.format("one consensus per bid and criterion (bid %s, criterion %s given twice)",
                                     r.bid_id, r.crit_id))
    else
      agreed[r.bid_id][r.crit_id] = { level = r.level, motivation = L.str(r.motivation),
                                      from = csrc .. ":" .. r._line }
    end
  end
  if bad > 0 then
    return
  end

  local notes = {}
  for _, id in ipairs(L.sorted_keys(ignored)) do
    local msg = string.format("%d score(s) for excluded bid %s ignored", ignored[id], id)
    regie.warn(msg)
    notes[#notes + 1] = string.format("Scores voor uitgesloten inschrijving %s (%d) zijn genegeerd.", id, ignored[id])
  end

  -- the list of evaluators of a row in which every evaluator scored and
  -- there is no consensus (the usual case): one list shared by those rows
  local all_evaluators = {}
  for i, ev in ipairs(evaluators) do all_evaluators[i] = ev end
  all_evaluators = L.list(all_evaluators)
  -- per criterion: its points exactly, M and 0 as results, and the points
  -- of each combination of levels met (by_levels[key])
  local per_crit = {}
  local function crit_points(c)
    local cp = per_crit[c]
    if not cp then
      local M = exact(c.max_points)
      cp = { M = M, by_levels = {},
             full = { exact = M, text = tostring(M), num = M:tonumber() },
             none = { exact = ZERO, text = "0", num = 0.0 } }
      per_crit[c] = cp
    end
    return cp
  end
  -- a small number per distinct level value (the key of a combination)
  local level_id, n_level_ids = {}, 0
  local function new_level_id(v)
    n_level_ids = n_level_ids + 1
    level_id[v] = n_level_ids
    return n_level_ids
  end
  local cps = {}
  for i, c in ipairs(crit.award) do cps[i] = crit_points(c) end
  local none = {}
  local out, missing, waiting = {}, 0, 0
  local ssrc_base = L.basename(ssrc)
  for _, a in ipairs(admission) do
    if a.admitted then
      local by_crit = cell[a.bid_id] or none
      for ci, c in ipairs(crit.award) do
        local given = by_crit[c.id] or none
        -- the individual scores in evaluator order (n of them), then CONSENSUS
        local levels, mots, n = {}, {}, 0
        for _, ev in ipairs(evaluators) do
          local i = given[ev]
          if i then
            n = n + 1
            levels[n] = level_at[i]
            mots[n] = L.str(motivation_at[i])
          end
        end
        -- the agreed score: from the consensus input, else a CONSENSUS row
        local a_row = agreed[a.bid_id] and agreed[a.bid_id][c.id]
        local cons_level, cons_mot, cons_from
        if a_row then
          cons_level, cons_mot, cons_from = a_row.level, a_row.motivation, a_row.from
        elseif given[CONSENSUS] then
          local i = given[CONSENSUS]
          cons_level, cons_mot = level_at[i], L.str(motivation_at[i])
          cons_from = cons_line[i] and cons_line[i] > 0 and (ssrc_base .. ":" .. cons_line[i]) or ssrc_base
        end
        local cons = cons_level ~= nil
        local evs = all_evaluators
        if n < #evaluators or cons then
          evs = {}
          for _, ev in ipairs(evaluators) do
            if given[ev] then evs[#evs + 1] = ev end
          end
          if cons then
            evs[#evs + 1] = CONSENSUS
            levels[n + 1] = cons_level
            mots[n + 1] = cons_mot
          end
          evs = L.list(evs)
        end
        -- completeness
        local ok = true
        if agg == "consensus" then
          if not cons then
            ok = false
            missing = missing + 1
            L.missing(ssrc, "evaluator", string.format(
              "no CONSENSUS score for bid %s, criterion %s (aggregation = consensus)", a.bid_id, c.id))
          end
        elseif not cons then
          if n < #evaluators then -- some evaluator did not score: name each one
            for _, ev in ipairs(evaluators) do
              if not given[ev] then
                ok = false
                missing = missing + 1
                L.missing(ssrc, "level", string.format("no score of evaluator %s for bid %s, criterion %s",
                                                        ev, a.bid_id, c.id))
              end
            end
          end
          if #evaluators == 0 then
            ok = false
            missing = missing + 1
            L.missing(ssrc, "level", string.format("no score for bid %s, criterion %s", a.bid_id, c.id))
          end
        end
        if ok then
          -- the levels that count: the consensus, or else every evaluator's
          -- (all present here, so exactly `levels`, in evaluator order)
          local cp = cps[ci]
          local level, pts, disagreed
          if c.scale == "binary" then
            -- M or 0; evaluators who differ wait for a consensus
            local yes, no = 0, 0
            for k = 1, n do
              if levels[k] >= 100 then yes = yes + 1 else no = no + 1 end
            end
            if yes > 0 and no > 0 then
              -- who gave what: those who gave the points first
              local y, o = {}, {}
              for _, ev in ipairs(evaluators) do
                local i = given[ev]
                if i then
                  local t = ev .. " " .. L.str(level_at[i])
                  if level_at[i] >= 100 then y[#y + 1] = t else o[#o + 1] = t end
                end
              end
              disagreed = table.concat(y, ", ") .. ", " .. table.concat(o, ", ")
            end
            if cons then
              level = cons_level >= 100 and 100 or 0
            elseif disagreed then
              ok = false
              waiting = waiting + 1
              regie.warn(string.format("bid %s, criterion %s (binary): the evaluators differ (%s); the run waits for a CONSENSUS score for this bid and criterion (a row of the input consensus: bid_id,crit_id,level,motivation, or evaluator CONSENSUS in %s)",
                                       a.bid_id, c.id, disagreed, ssrc_base))
            else
              level = yes > 0 and 100 or 0
            end
            if level then
              pts = level == 100 and cp.full or cp.none
            end
          else
            -- the same levels give the same points: worked out once per
            -- criterion and combination of levels (by their exact values)
            local key = 0
            if cons then
              key = -(level_id[cons_level] or new_level_id(cons_level))
            elseif n <= 5 then
              for k = 1, n do
                key = key * 4096 + (level_id[levels[k]] or new_level_id(levels[k]))
              end
            else
              key = nil -- too many evaluators for a numeric key: no memo
            end
            if key and n_level_ids >= 4096 then key = nil end
            pts = key and cp.by_levels[key]
            if not pts then
              local counted = {}
              if cons then
                counted[1] = exact(cons_level)
              else
                for k = 1, n do counted[k] = exact(levels[k]) end
              end
              local points, lv = L.criterion_points(cp.M, counted, agg)
              pts = { exact = points, text = tostring(points), num = points:tonumber(), level = lv:tonumber() }
              if key then cp.by_levels[key] = pts end
            end
            level = pts.level
          end
          -- spread between evaluators (individual levels, also next to a consensus)
          local spread = false
          if n >= 2 and c.scale ~= "binary" then
            local lo, hi
            for i = 1, n do
              local idx = scale_step(levels[i])
              if idx then
                lo = (lo == nil or idx < lo) and idx or lo
                hi = (hi == nil or idx > hi) and idx or hi
              end
            end
            if lo and hi - lo > max_steps then
              spread = true
              local msg = string.format("bid %s, criterion %s: evaluators are %d scale steps apart (more than %d): talk it through",
                                        a.bid_id, c.id, hi - lo, max_steps)
              regie.warn(msg)
              notes[#notes + 1] = string.format("Inschrijving %s, criterium %s: beoordelaars liggen %d stappen uit elkaar (meer dan %d); bespreek de scores.",
                                                a.bid_id, c.id, hi - lo, max_steps)
            end
          end
          if ok then
            out[#out + 1] = { bid_id = a.bid_id, crit_id = c.id, evaluators = evs,
                              levels = L.list(levels), motivations = L.list(mots), level = level,
                              points = pts.num, points_exact = pts.text, spread = spread,
                              consensus = cons, disagreed = disagreed or "", consensus_from = cons_from or "" }
            if disagreed then
              notes[#notes + 1] = string.format("Inschrijving %s, criterium %s (ja/nee): de beoordelaars waren het oneens (%s); de consensusscore (%s) telt: %s punten.",
                                                a.bid_id, c.id, disagreed, cons_from, L.short(pts.exact, true))
            end
          end
        end
      end
    end
  end
  if missing > 0 then
    regie.log(string.format("%d score(s) missing in %s", missing, L.basename(ssrc)))
    return
  end
  regie.output("quality", out, { "bid_id", "crit_id", "evaluators", "levels", "motivations", "level",
                                 "points", "points_exact", "spread", "consensus", "disagreed",
                                 "consensus_from" })
  regie.output("quality_notes", L.list(notes))
  if waiting > 0 and regie.has_input("consensus") then
    -- the consensus was given and still leaves a disagreement open
    L.missing(csrc, "level", string.format("%d binary score(s) still without a consensus (see the warnings)", waiting))
    return
  end
  regie.output("consensus_needed", waiting > 0)
end

return {
  summary = "Quality scoring: evaluators' levels to points per award criterion",
  params = {},
  run = run,
}

-- tender/quality.lua - step 4: quality scoring of the award criteria.
--
-- Rules (§1.2):
--  * graded criterion: pts = max_points × aggregate(levels) / 100 with
--    [scoring] aggregation = mean | median | consensus;
--  * binary criterion: max_points or 0 (levels 0 or 100; when evaluators
--    disagree the majority counts, a tie gives 0, and a warning is given);
--  * evaluator CONSENSUS is one agreed score: it replaces the individual
--    levels of that bid and criterion (with aggregation = consensus it is
--    required for every bid and criterion);
--  * every evaluator scores every award criterion of every admitted bid:
--    validate.lua reports missing scores before any step acts, at the
--    bid's line of bids.csv; the same check here is the last guard;
--  * evaluators more than spread_warning_steps scale steps apart get a warning;
--  * scores for excluded bids are ignored with a warning.
--
-- Writes `quality`: bid_id, crit_id, evaluators, levels, motivations (lists
-- in evaluator order), level (the aggregate), points (full precision),
-- spread, consensus; and `quality_notes` (warnings for the report).

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

  local admitted = {}
  for _, a in ipairs(admission) do admitted[a.bid_id] = a.admitted end

  -- scores by bid and criterion (cell[bid][crit][evaluator] = the row's
  -- position); evaluators in order of appearance.  The largest file is
  -- read a row at a time (regie.each): of each row only its level and
  -- motivation are kept (level_at[i], motivation_at[i]), no table per row.
  local cell, evaluators, seen_ev, ignored = {}, {}, {}, {}
  local level_at, motivation_at = {}, {}
  for i, bid, crit_id, evaluator, level, motivation in
      regie.each("scores", { "bid_id", "crit_id", "evaluator", "level", "motivation" }) do
    level_at[i], motivation_at[i] = level, motivation
    local ev = L.evaluator(evaluator)
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
  local none = {}
  local out, missing = {}, 0
  for _, a in ipairs(admission) do
    if a.admitted then
      local by_crit = cell[a.bid_id] or none
      for _, c in ipairs(crit.award) do
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
        local cons = given[CONSENSUS]
        local evs = all_evaluators
        if n < #evaluators or cons then
          evs = {}
          for _, ev in ipairs(evaluators) do
            if given[ev] then evs[#evs + 1] = ev end
          end
          if cons then
            evs[#evs + 1] = CONSENSUS
            levels[n + 1] = level_at[cons]
            mots[n + 1] = L.str(motivation_at[cons])
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
          local counted = cons and { level_at[cons] } or levels
          local level, points
          local sum = 0
          for _, v in ipairs(counted) do sum = sum + v end
          if agg == "median" then
            level = L.median(counted)
          else
            level = sum / #counted
          end
          local M = c.max_points
          if c.scale == "binary" then
            local yes, no = 0, 0
            for _, v in ipairs(counted) do
              if v >= 100 then yes = yes + 1 else no = no + 1 end
            end
            points = yes > no and M or 0
            if yes > 0 and no > 0 then
              local msg = string.format("bid %s, criterion %s (binary): evaluators disagree (%d yes, %d no); the majority counts: %s points",
                                        a.bid_id, c.id, yes, no, L.str(points))
              regie.warn(msg)
              notes[#notes + 1] = string.format("Inschrijving %s, criterium %s (ja/nee): beoordelaars oneens (%d ja, %d nee); de meerderheid telt: %s punten.",
                                                a.bid_id, c.id, yes, no, L.short(points, true))
            end
            level = points > 0 and 100 or 0
          elseif agg == "median" then
            points = M * level / 100
          else
            -- M × Σ / (n × 100) keeps exact values exact (30 × 100 / 300 = 10)
            points = M * sum / (#counted * 100)
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
          out[#out + 1] = { bid_id = a.bid_id, crit_id = c.id, evaluators = evs,
                            levels = L.list(levels), motivations = L.list(mots), level = level,
                            points = points, spread = spread, consensus = cons ~= nil }
        end
      end
    end
  end
  if missing > 0 then
    regie.log(string.format("%d score(s) missing in %s", missing, L.basename(ssrc)))
    return
  end
  regie.output("quality", out, { "bid_id", "crit_id", "evaluators", "levels", "motivations", "level",
                                 "points", "spread", "consensus" })
  regie.output("quality_notes", L.list(notes))
end

return {
  summary = "Quality scoring: evaluators' levels to points per award criterion",
  params = {},
  run = run,
}

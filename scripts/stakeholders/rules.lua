-- rules.lua - the classification and communication-plan rules of the
-- stakeholder-analysis workflow, as plain tables an administrator can edit.
--
-- Change a value here and the next run uses it; no code elsewhere needs to
-- change.  Keep the keys (quadrant names, level names) as they are: they are
-- the enumerations of the machine-readable outputs (doc: domain §2, §6).
--
-- Quadrants (Mendelow): manage_closely (high power, high interest),
-- keep_satisfied (high power, low interest), keep_informed (low power, high
-- interest), monitor (low power, low interest).  "High" means >= the
-- threshold of analysis.ini [scale].

local R = {}

-- ---- Classification models ---------------------------------------------
-- Mendelow grid: [power high?][interest high?] -> quadrant.
R.quadrant = {
  [true]  = { [true] = "manage_closely", [false] = "keep_satisfied" },
  [false] = { [true] = "keep_informed",  [false] = "monitor" },
}

-- Salience (Mitchell, Agle & Wood 1997), keyed by the attributes present:
-- P = power (same threshold as the grid), L = legitimacy, U = urgency.
R.salience = {
  [""] = "non_stakeholder",
  P = "dormant", L = "discretionary", U = "demanding",
  PL = "dominant", PU = "dangerous", LU = "dependent",
  PLU = "definitive",
}
-- Group by attribute count.
R.salience_group = { [0] = "none", [1] = "latent", [2] = "expectant", [3] = "definitive" }

-- Murray-Webster & Simon: [quadrant] -> type for a positive / negative
-- attitude.  An attitude of 0 gives "undetermined".
R.types = {
  manage_closely = { positive = "saviour",        negative = "saboteur" },
  keep_satisfied = { positive = "sleeping_giant", negative = "time_bomb" },
  keep_informed  = { positive = "friend",         negative = "irritant" },
  monitor        = { positive = "acquaintance",   negative = "tripwire" },
}
R.undetermined_advice = "Houding onbekend: zoek uit hoe deze stakeholder erin staat."

-- ---- Order of priority (domain §2.2 step 3) -------------------------------
-- classification.csv and every later output list the stakeholders in this
-- order: sorted by the first entry, ties by the second, and so on.  Each
-- entry is { column, direction } or { column, direction, "case-insensitive" }:
--   column     score (R.score below), power, interest, attributes (the
--              number of salience attributes), gap (desired - current),
--              attitude, name, id, side
--   direction  "asc" (lowest first, A before B) or "desc" (highest first)
--   "case-insensitive" (text columns only): "anna" and "Anna" compare
--              equal and the next entry decides; ASCII letters and the
--              accented Latin-1 letters (À..Þ) are folded, other letters
--              compare as they are.  Without it, text compares byte by
--              byte ("B" before "a").
-- Stakeholders equal in every entry keep the order of stakeholders.csv; end
-- with id, which is unique, to make the order independent of the file.
R.priority_order = {
  { "score", "desc" },
  { "attributes", "desc" },
  { "gap", "desc" },
  { "name", "asc", "case-insensitive" },
  { "id", "asc" },
}

-- The score of a stakeholder (column score of classification.csv, and of
-- the order of priority): the product of these columns of stakeholders.csv
-- (power, interest, attitude or gap), rounded half-up to score_decimals
-- decimals.  Stakeholders with the same score are tied.
R.score = { "power", "interest" }
R.score_decimals = 6

-- ---- Engagement levels (PMBOK engagement matrix) -------------------------
-- Canonical names (written to the outputs) with their level number.
R.levels = { "unaware", "resistant", "neutral", "supportive", "leading" }
R.level_value = { unaware = 0, resistant = 1, neutral = 2, supportive = 3, leading = 4 }
-- Other spellings accepted in stakeholders.csv (compared in lower case).
-- The digits 0..4 are accepted as well.
R.level_aliases = {
  onbewust = "unaware", onwetend = "unaware", ["niet op de hoogte"] = "unaware",
  weerstand = "resistant", terughoudend = "resistant", ["weerstand biedend"] = "resistant",
  neutraal = "neutral",
  ondersteunend = "supportive", steunend = "supportive",
  leidend = "leading", trekker = "leading",
}
-- Dutch names for the reports.
R.level_nl = { unaware = "onbewust", resistant = "weerstand", neutral = "neutraal",
               supportive = "ondersteunend", leading = "leidend" }

-- ---- Goal on the Dutch participation ladder (participatieladder) --------
-- `goal_code` is the stable code in commplan.csv, `goal` the Dutch text.
R.goal = {
  manage_closely = { code = "coproduce_codecide", text = "coproduceren / meebeslissen" },
  keep_satisfied = { code = "consult_advise",     text = "raadplegen / adviseren" },
  keep_informed  = { code = "inform_consult",     text = "informeren / raadplegen" },
  monitor        = { code = "inform",             text = "informeren" },
}

-- Negative attitude with high power (saboteur, time bomb): the goal becomes
-- "address concerns" and a one-to-one meeting is added.
R.concerns = {
  goal = { code = "address_concerns", text = "zorgen wegnemen" },
  channel = "een-op-eengesprek",       -- added to the channels if missing
  -- the extra meeting is planned this many days after the plan start
  -- (moved to the next working day, and past any other contact that day)
  meeting_after_days = 14,
  max_attitude = -1,                   -- attitude <= this counts as negative
}

-- ---- Channels per quadrant ----------------------------------------------
-- The default channel mix; a run can replace it with --set channels=FILE
-- (CSV with columns quadrant,channel,mode; see
-- examples/stakeholders/channels.csv).  mode: online | offline | hybride.
-- Contacts rotate through the channels of a stakeholder in this order.
R.channels = {
  manage_closely = {
    { channel = "een-op-eengesprek", mode = "offline" },
    { channel = "ledenbrief", mode = "online" },
  },
  keep_satisfied = {
    { channel = "bestuurlijke brief", mode = "offline" },
    { channel = "kwartaalrapportage", mode = "online" },
  },
  keep_informed = {
    { channel = "nieuwsbrief", mode = "online" },
    { channel = "VNG Forum", mode = "online" },
    { channel = "webinar of kennisbijeenkomst", mode = "hybride" },
  },
  monitor = {
    { channel = "website", mode = "online" },
    { channel = "nieuwsbrief", mode = "online" },
  },
}
R.channel_modes = { online = true, offline = true, hybride = true }

-- ---- Contact frequency ---------------------------------------------------
-- The ladder of contacts per year, lowest first.  The base value of each
-- quadrant must be on the ladder.
R.frequency_ladder = { 2, 4, 12, 26, 52 }
R.frequency_base = {
  manage_closely = 12,
  keep_satisfied = 4,
  keep_informed = 12,
  monitor = 2,
}
-- Move this many steps up the ladder when gap >= step_up_gap (never past the
-- top of the ladder).
R.step_up_gap = 2
R.step_up_steps = 1

-- An empty concern (the key message) or owner in stakeholders.csv stays
-- empty in the CSV outputs (commplan.csv, contacts.csv): the plan does not
-- make up a message or an owner.  The reports (commplan.md, report.html)
-- and the calendar (contacts.ics) show this text instead.  An owner for
-- every stakeholder without one can be given as [plan] owner in
-- analysis.ini; that owner is then written to the CSV outputs too.
R.placeholder = "(niet ingevuld)"

-- ---- Dutch names used in the reports and the grid ------------------------
R.quadrant_nl = {
  manage_closely = "Nauw betrekken",
  keep_satisfied = "Tevreden houden",
  keep_informed = "Geïnformeerd houden",
  monitor = "Monitoren",
}
R.salience_nl = {
  definitive = "definitief", dominant = "dominant", dangerous = "gevaarlijk",
  dependent = "afhankelijk", dormant = "slapend", discretionary = "discretionair",
  demanding = "veeleisend", non_stakeholder = "geen stakeholder",
}
R.type_nl = {
  saviour = "redder", saboteur = "saboteur", sleeping_giant = "slapende reus",
  time_bomb = "tijdbom", friend = "vriend", irritant = "irritant",
  acquaintance = "kennis", tripwire = "struikeldraad", undetermined = "onbepaald",
}

-- Attitude colours in the grid (attitude -2..+2), colour-blind friendly.
R.attitude_colour = {
  [-2] = "#b2182b", [-1] = "#ef8a62", [0] = "#8c8c8c", [1] = "#67a9cf", [2] = "#2166ac",
}
R.attitude_nl = {
  [-2] = "zeer negatief", [-1] = "negatief", [0] = "neutraal / onbekend",
  [1] = "positief", [2] = "zeer positief",
}

return R

-- common/text.lua - values as text, shared by the workflows' scripts.
--   local T = require "common.text"
local regie = regie or require "regie"
local V = require "common.value"

local T = {}

local type, mtype, tostring, floor = type, math.type, tostring, math.floor
local null = regie.null

function T.trim(s)
  return (tostring(s):gsub("^%s+", ""):gsub("%s+$", ""))
end

-- T.number(d) is the function that writes a number as text: an integer
-- as it is, any other number rounded half-up to d decimals, without
-- trailing zeros, with a decimal point ("12.5", "3").  Each distinct number
-- is worked out once (V.memo); the function for each d is made once.
local numbers = V.cache(function(d)
  local float_text = V.memo(function(v)
    if v == floor(v) and v < 2 ^ 53 and v > -2 ^ 53 then
      return string.format("%d", v)
    end
    local r = regie.round(v, d)
    if r == floor(r) and r < 2 ^ 53 and r > -2 ^ 53 then
      return string.format("%d", r)
    end
    return (regie.format(r, d):gsub("0+$", ""):gsub("%.$", ""))
  end)
  return function(x)
    if mtype(x) == "integer" then
      return tostring(x)
    end
    return float_text(x)
  end
end)
function T.number(d)
  return numbers[d]
end

-- T.cell(d) is the function that writes a value of a record as plain
-- text: a text as it is, "" for nil and null, yes/no for a boolean, a
-- number as T.number(d) writes it.
local cells = V.cache(function(d)
  local number = numbers[d]
  return function(v)
    local t = type(v)
    if t == "string" then
      return v
    end
    if v == nil or v == null then
      return ""
    end
    if t == "boolean" then
      return v and "yes" or "no"
    end
    if t == "number" then
      return number(v)
    end
    return tostring(v)
  end
end)
function T.cell(d)
  return cells[d]
end

-- T.escapes(d [, chars]) is the pair of functions that write a value as
-- HTML (or XML) text and as Markdown text on one line: regie.html and
-- regie.md (with its `chars` to escape, default all of them), a value that
-- is not a text first written as T.cell(d) writes it.
function T.escapes(d, chars)
  local cell, html, md = T.cell(d), regie.html, regie.md
  return function(s)
    return html(type(s) == "string" and s or cell(s))
  end, function(s)
    return md(type(s) == "string" and s or cell(s), chars)
  end
end

-- A number's text with a decimal comma, for Dutch texts: "12.5" -> "12,5".
T.comma = V.memo(function(s)
  return (s:gsub("%.", ","))
end)

return T

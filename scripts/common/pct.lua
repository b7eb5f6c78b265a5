-- common/pct.lua - exact shares for the workflows' reports: a share as
-- a percentage rounded half-up on integers (never printf's rounding),
-- a number's text as hundredths, a signed change.
--   local P = require "common.pct"

local P = {}

-- num * 100 / den, rounded half-up to d decimals, as text ("90", "66.7");
-- exact: done on integers.  "" when den is 0.
function P.pct(num, den, d)
  return P.ratio(num * 100, den, d)
end

-- num / den rounded half-up to d decimals as text; "" when den is 0.
function P.ratio(num, den, d)
  if den == 0 then
    return ""
  end
  local scale = 1
  for _ = 1, d do
    scale = scale * 10
  end
  local q = (num * scale * 2 + den) // (2 * den)
  local whole, frac = q // scale, q % scale
  if frac == 0 then
    return tostring(whole)
  end
  local s = string.format("%d.%0" .. d .. "d", whole, frac)
  return (s:gsub("0+$", ""))
end

-- A number's text ("90", "66.7", "-2.25") as hundredths (an integer), or
-- nil when it is no such number.
function P.hundredths(text)
  local sign, whole, frac = tostring(text):match("^(%-?)(%d+)%.?(%d?%d?)$")
  if not whole or #whole > 15 then
    return nil
  end
  local h = tonumber(whole) * 100 + tonumber((frac .. "00"):sub(1, 2))
  return sign == "-" and -h or h
end

-- hundredths as a signed change: "+1.1", "-10", "0".
function P.change(h)
  if h == 0 then
    return "0"
  end
  return (h < 0 and "-" or "+") .. P.ratio(math.abs(h), 100, 2)
end

return P

-- common/value.lua - small helpers on values and tables, shared by the
-- workflows' scripts.
--   local V = require "common.value"
local regie = regie or require "regie"

local V = {}

local null = regie.null

-- nil, or the null of a record (an empty cell): regie.is_null in Lua.
function V.is_null(v)
  return v == nil or v == null
end

-- f(k) = make(k), remembered: for texts made thousands of times from the
-- same few values (levels, weights, points).  Bounded: forgotten all at
-- once when it holds MEMO_MAX values.  nil and NaN, which cannot be keys,
-- are made each time.
local MEMO_MAX = 4096
function V.memo(make)
  local m, n = {}, 0
  return function(k)
    if k == nil or k ~= k then
      return make(k)
    end
    local v = m[k]
    if v == nil then
      if n >= MEMO_MAX then
        m, n = {}, 0
      end
      v = make(k)
      m[k], n = v, n + 1
    end
    return v
  end
end

-- A table t whose t[x] is make(x), made the first time x is asked for and
-- then kept (not bounded): for a few values that recur thousands of times
-- (owners, scores, names of classes), looked up as t[x] without a call.
-- nil and NaN, which cannot be keys, are made each time.
function V.cache(make)
  return setmetatable({}, { __index = function(t, x)
    local v = make(x)
    if x ~= nil and x == x then
      t[x] = v
    end
    return v
  end })
end

-- The table t[k], made (empty) the first time: for indexes by more than
-- one key, t[a][b].
function V.sub(t, k)
  local s = t[k]
  if s == nil then
    s = {}
    t[k] = s
  end
  return s
end

-- Whether v is one of the values of a list.
function V.contains(list, v)
  for _, x in ipairs(list) do
    if x == v then
      return true
    end
  end
  return false
end

return V

-- tables, the table library, metatables and metamethods
local H = require "harness"
local check, eq = H.check, H.eq

check("table.library", function()
  local t = { 5, 2, 8, 1 }
  table.insert(t, 3)
  table.insert(t, 1, 0)
  eq(table.concat(t, ","), "0,5,2,8,1,3", "insert")
  eq(table.remove(t), 3, "remove last")
  eq(table.remove(t, 1), 0, "remove first")
  table.sort(t)
  eq(table.concat(t, ","), "1,2,5,8", "sort")
  table.sort(t, function(a, b) return a > b end)
  eq(table.concat(t, ","), "8,5,2,1", "sort desc")
  eq(select("#", table.unpack({ 1, 2, nil, 4 }, 1, 4)), 4, "unpack n")
  local p = table.pack(1, nil, 3)
  eq(p.n, 3, "pack n")
  local m = table.move({ 1, 2, 3, 4, 5 }, 2, 4, 1)
  eq(table.concat(m, ","), "2,3,4,4,5", "move")
  eq(table.concat({}, ","), "", "concat empty")
  eq(table.concat({ 1, 2.5, "x" }), "12.5x", "concat mixed")
end)

check("table.sort-stress", function()
  math.randomseed(42)
  local t = {}
  for i = 1, 50000 do t[i] = math.random(1, 1000000) end
  table.sort(t)
  for i = 2, #t do assert(t[i - 1] <= t[i], "not sorted at " .. i) end
  local s = {}
  for i = 1, 5000 do s[i] = string.format("k%07d", (i * 7919) % 5000) end
  table.sort(s)
  eq(s[1], "k0000000", "string sort first"); eq(s[5000], "k0004999", "string sort last")
  -- an inconsistent comparator may or may not be detected; if it is, the
  -- message must be the documented one
  local bad = {}
  for i = 1, 200 do bad[i] = (i * 37) % 101 end
  local ok, err = pcall(table.sort, bad, function(a, b) return true end)
  eq(ok or tostring(err):find("invalid order function") ~= nil, true, "bad comparator")
end)

check("table.length-and-iteration", function()
  local t = {}
  for i = 1, 1000 do t[i] = i * i end
  eq(#t, 1000, "length")
  local sum = 0
  for i, v in ipairs(t) do sum = sum + v end
  eq(sum, 333833500, "ipairs sum")
  local h = { a = 1, b = 2, c = 3, [1.5] = 4, [true] = 5 }
  local n, total = 0, 0
  for k, v in pairs(h) do n = n + 1; total = total + v end
  eq(n, 5, "pairs count"); eq(total, 15, "pairs total")
  eq(next({}), nil, "next empty")
  h.a = nil
  n = 0
  for _ in pairs(h) do n = n + 1 end
  eq(n, 4, "after delete")
  local f = {}
  f[2^53] = "float key"
  eq(f[2^53], "float key", "float key")
  eq(f[math.tointeger(2^53)], "float key", "float key normalised to integer")
  H.raises(function() local x = {}; x[nil] = 1 end, "index is nil", "nil index")
  H.raises(function() local x = {}; x[0/0] = 1 end, "index is NaN", "NaN index")
end)

check("metatables.arith", function()
  local V = {}
  V.__index = V
  local function vec(x, y) return setmetatable({ x = x, y = y }, V) end
  V.__add = function(a, b) return vec(a.x + b.x, a.y + b.y) end
  V.__sub = function(a, b) return vec(a.x - b.x, a.y - b.y) end
  V.__mul = function(a, b)
    if type(a) == "number" then return vec(a * b.x, a * b.y) end
    if type(b) == "number" then return vec(a.x * b, a.y * b) end
    return a.x * b.x + a.y * b.y
  end
  V.__unm = function(a) return vec(-a.x, -a.y) end
  V.__eq = function(a, b) return a.x == b.x and a.y == b.y end
  V.__lt = function(a, b) return a:len2() < b:len2() end
  V.__le = function(a, b) return a:len2() <= b:len2() end
  V.__len = function(a) return 2 end
  V.__tostring = function(a) return "(" .. a.x .. "," .. a.y .. ")" end
  V.__concat = function(a, b) return tostring(a) .. tostring(b) end
  V.__call = function(self, k) return self[k] end
  V.__idiv = function(a, n) return vec(a.x // n, a.y // n) end
  V.__band = function(a, b) return vec(a.x & b.x, a.y & b.y) end
  V.__shl = function(a, n) return vec(a.x << n, a.y << n) end
  V.__bnot = function(a) return vec(~a.x, ~a.y) end
  function V:len2() return self.x * self.x + self.y * self.y end
  local a, b = vec(1, 2), vec(3, 4)
  eq(tostring(a + b), "(4,6)", "__add")
  eq(tostring(b - a), "(2,2)", "__sub")
  eq(a * b, 11, "__mul dot")
  eq(tostring(2 * a), "(2,4)", "__mul scalar")
  eq(tostring(-a), "(-1,-2)", "__unm")
  eq(a == vec(1, 2), true, "__eq"); eq(a ~= b, true, "__eq neg")
  eq(a < b, true, "__lt"); eq(b <= a, false, "__le")
  eq(#a, 2, "__len")
  eq(a .. b, "(1,2)(3,4)", "__concat")
  eq(a("y"), 2, "__call")
  eq(tostring(vec(7, 9) // 2), "(3,4)", "__idiv")
  eq(tostring(vec(6, 5) & vec(3, 3)), "(2,1)", "__band")
  eq(tostring(a << 2), "(4,8)", "__shl")
  eq(tostring(~vec(0, -1)), "(-1,0)", "__bnot")
end)

check("metatables.index-newindex", function()
  local log = {}
  local backing = { a = 1 }
  local proxy = setmetatable({}, {
    __index = function(t, k) log[#log + 1] = "get " .. k; return backing[k] end,
    __newindex = function(t, k, v) log[#log + 1] = "set " .. k; backing[k] = v end,
  })
  eq(proxy.a, 1, "__index fn")
  proxy.b = 2
  eq(rawget(proxy, "b"), nil, "rawget")
  eq(backing.b, 2, "__newindex fn")
  eq(table.concat(log, ";"), "get a;set b", "log")
  local base = { greet = function() return "hi" end }
  local derived = setmetatable({}, { __index = base })
  local leaf = setmetatable({}, { __index = derived })
  eq(leaf.greet(), "hi", "__index chain")
  rawset(leaf, "x", 1)
  eq(leaf.x, 1, "rawset")
  eq(rawequal(leaf, leaf), true, "rawequal")
  eq(rawlen({ 1, 2, 3 }), 3, "rawlen")
  local ro = setmetatable({}, { __newindex = function() error("read-only table") end, __metatable = "locked" })
  H.raises(function() ro.x = 1 end, "read%-only", "read-only")
  eq(getmetatable(ro), "locked", "__metatable")
  H.raises(function() setmetatable(ro, {}) end, "protected metatable", "protected")
  eq(getmetatable("abc").__index, string, "string metatable")
end)

check("metatables.close-and-pairs", function()
  local order = {}
  do
    local a <close> = setmetatable({}, { __close = function() order[#order + 1] = "a" end })
    local b <close> = setmetatable({}, { __close = function(_, err) order[#order + 1] = "b" end })
    local c <const> = 10
    order[#order + 1] = "body" .. c
  end
  eq(table.concat(order, ","), "body10,b,a", "__close order")
  local ok, err = pcall(function()
    local x <close> = setmetatable({}, { __close = function(_, e) order[#order + 1] = "err:" .. tostring(e):match("boom") end })
    error("boom")
  end)
  eq(ok, false, "error propagates"); eq(order[#order], "err:boom", "__close gets error")
  local t = setmetatable({}, { __pairs = function(t) return function(_, k) if not k then return 1, "one" end end, t, nil end })
  local seen = {}
  for k, v in pairs(t) do seen[#seen + 1] = k .. "=" .. v end
  eq(table.concat(seen), "1=one", "__pairs")
end)

check("table.big", function()
  local t = {}
  for i = 1, 200000 do t[i] = i end
  for i = 1, 200000, 2 do t[i] = nil end
  local n = 0
  for _, v in pairs(t) do n = n + 1 end
  eq(n, 100000, "sparse count")
  local h = {}
  for i = 1, 100000 do h["key" .. i] = i end
  local s = 0
  for k, v in pairs(h) do s = s + v end
  eq(s, 5000050000, "hash sum")
end)

H.done()

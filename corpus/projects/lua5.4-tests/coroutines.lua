-- coroutines: resume/yield, wrap, status, close, yields across pcall and
-- metamethods, deep recursion inside coroutines
local H = require "harness"
local check, eq = H.check, H.eq

check("coroutine.basic", function()
  local co = coroutine.create(function(a, b)
    local c = coroutine.yield(a + b)
    local d, e = coroutine.yield(c * 2)
    return d + e, "done"
  end)
  eq(coroutine.status(co), "suspended", "status")
  local ok, v = coroutine.resume(co, 1, 2)
  eq(ok, true, "resume1"); eq(v, 3, "yield1")
  ok, v = coroutine.resume(co, 10)
  eq(v, 20, "yield2")
  local ok3, r1, r2 = coroutine.resume(co, 3, 4)
  eq(r1, 7, "return"); eq(r2, "done", "return 2")
  eq(coroutine.status(co), "dead", "dead")
  local okd, err = coroutine.resume(co)
  eq(okd, false, "resume dead"); eq(err, "cannot resume dead coroutine", "dead msg")
end)

check("coroutine.generators", function()
  local function range(n)
    return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end)
  end
  local s = 0
  for i in range(1000) do s = s + i end
  eq(s, 500500, "wrap generator")
  local function permgen(a, n)
    n = n or #a
    if n <= 1 then coroutine.yield(a) else
      for i = 1, n do
        a[n], a[i] = a[i], a[n]
        permgen(a, n - 1)
        a[n], a[i] = a[i], a[n]
      end
    end
  end
  local count = 0
  for p in coroutine.wrap(function() permgen({ 1, 2, 3, 4, 5, 6 }) end) do count = count + 1 end
  eq(count, 720, "permutations")
end)

check("coroutine.status-running", function()
  local main, ismain = coroutine.running()
  eq(ismain, true, "main running")
  eq(coroutine.isyieldable(), false, "main not yieldable")
  local co
  co = coroutine.create(function()
    eq(coroutine.status(co), "running", "inside running")
    eq(coroutine.isyieldable(), true, "yieldable")
    local inner = coroutine.create(function() return coroutine.status(co) end)
    local _, st = coroutine.resume(inner)
    eq(st, "normal", "normal status")
  end)
  assert(coroutine.resume(co))
end)

check("coroutine.errors", function()
  local co = coroutine.create(function() error({ code = 42 }) end)
  local ok, e = coroutine.resume(co)
  eq(ok, false, "error"); eq(e.code, 42, "error object")
  local w = coroutine.wrap(function() error("wrapped boom") end)
  H.raises(w, "wrapped boom", "wrap propagates")
  H.raises(function() coroutine.yield() end, "outside a coroutine", "yield outside")
  -- yield across pcall (allowed in 5.4)
  local co2 = coroutine.wrap(function()
    local ok2, v = pcall(function() local x = coroutine.yield(1); error("after " .. x) end)
    coroutine.yield(ok2 and "no" or v:match("after %w+"))
    return "end"
  end)
  eq(co2(), 1, "yield inside pcall")
  eq(co2("resume"), "after resume", "error after yield caught")
  eq(co2(), "end", "finish")
end)

check("coroutine.close", function()
  local closed = false
  local co = coroutine.create(function()
    local x <close> = setmetatable({}, { __close = function() closed = true end })
    coroutine.yield(1)
  end)
  coroutine.resume(co)
  eq(coroutine.close(co), true, "close ok")
  eq(closed, true, "to-be-closed ran")
  eq(coroutine.status(co), "dead", "closed is dead")
  local co2 = coroutine.create(function() error("x") end)
  coroutine.resume(co2)
  local ok, err = coroutine.close(co2)
  eq(ok, false, "close errored"); eq(tostring(err):match("x$"), "x", "close error msg")
end)

check("coroutine.yield-across-metamethods", function()
  local mt = {
    __index = function(t, k) return coroutine.yield("index " .. k) end,
    __add = function(a, b) return coroutine.yield("add") end,
    __lt = function(a, b) return coroutine.yield("lt") end,
    __concat = function(a, b) return coroutine.yield("concat") end,
  }
  local obj = setmetatable({}, mt)
  local co = coroutine.wrap(function()
    local r = {}
    r[1] = obj.foo
    r[2] = obj + 1
    r[3] = obj < obj
    r[4] = obj .. "s"
    for _, v in ipairs({ table.unpack(r) }) do end
    return table.concat({ tostring(r[1]), tostring(r[2]), tostring(r[3]), tostring(r[4]) }, ",")
  end)
  eq(co(), "index foo", "yield in __index")
  eq(co("A"), "add", "yield in __add")
  eq(co(5), "lt", "yield in __lt")
  eq(co(true), "concat", "yield in __concat")
  eq(co("C"), "A,5,true,C", "results")
  -- yield from inside table.sort comparator is not allowed (C boundary)
  local bad = coroutine.wrap(function() table.sort({ 3, 2, 1 }, function(a, b) coroutine.yield() return a < b end) end)
  H.raises(bad, "attempt to yield across a C%-call boundary", "C boundary")
end)

check("coroutine.many", function()
  local cos = {}
  for i = 1, 2000 do
    cos[i] = coroutine.create(function(x) while true do x = coroutine.yield(x + i) end end)
  end
  local total = 0
  for round = 1, 5 do
    for i = 1, #cos do
      local _, v = coroutine.resume(cos[i], round)
      total = total + v
    end
  end
  eq(total, 5 * (2000 * 2001 // 2) + 2000 * (1 + 2 + 3 + 4 + 5), "many coroutines")
  local function deep(n) if n == 0 then return coroutine.yield("bottom") end return deep(n - 1) end
  local co = coroutine.wrap(function() return deep(10000) end)
  eq(co(), "bottom", "deep recursion in coroutine")
  eq(co("back"), "back", "unwind")
end)

H.done()

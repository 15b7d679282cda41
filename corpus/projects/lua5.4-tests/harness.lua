-- Minimal test harness for the rivet corpus Lua tests.
-- check(name, fn): runs fn under xpcall, prints "PASS name" or
-- "FAIL name: error + traceback". done() prints a summary line and exits
-- non-zero when something failed. eq(a, b, what) asserts equality.
local H = { passed = 0, failed = 0, file = arg and arg[0] or "?" }

function H.check(name, fn)
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    H.passed = H.passed + 1
    print("PASS " .. name)
  else
    H.failed = H.failed + 1
    print("FAIL " .. name .. ": " .. tostring(err))
  end
end

function H.eq(a, b, what)
  if a ~= b then
    error(string.format("%s: expected %s (%s), got %s (%s)", what or "value",
      tostring(b), math.type(b) or type(b), tostring(a), math.type(a) or type(a)), 2)
  end
end

function H.near(a, b, eps, what)
  if math.abs(a - b) > (eps or 1e-12) then
    error(string.format("%s: expected ~%.17g, got %.17g", what or "value", b, a), 2)
  end
end

function H.raises(fn, pattern, what)
  local ok, err = pcall(fn)
  if ok then error((what or "call") .. ": expected an error", 2) end
  if pattern and not string.find(tostring(err), pattern) then
    error(string.format("%s: error %q does not match %q", what or "call", tostring(err), pattern), 2)
  end
  return err
end

function H.done()
  print(string.format("%s: %d passed, %d failed", H.file, H.passed, H.failed))
  os.exit(H.failed == 0 and 0 or 1)
end

return H

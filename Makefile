# Makefile — builds libbrainjit (static and shared), the test suite (plain and under ASan+UBSan) and the demo.
CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
OPT     ?= -O2 -g
WARN    := -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
CFLAGS_ALL := $(WARN) $(OPT) -fPIC -fvisibility=hidden -D_GNU_SOURCE -Iinclude -Isrc $(CFLAGS)
LDLIBS  := -lm -lpthread
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

SRCS      := $(shell find src -name '*.c' | sort)
HDRS      := $(shell find src include -name '*.h' -o -name '*.def')
OBJS      := $(SRCS:%.c=$(BUILD)/obj/%.o)
SAN_OBJS  := $(SRCS:%.c=$(BUILD)/san/%.o)
TEST_SRCS := $(sort $(wildcard tests/*.c))

.PHONY: all lib test test-plain test-san demo stats install clean
all: lib $(BUILD)/test_all $(BUILD)/demo
lib: $(BUILD)/libbrainjit.a $(BUILD)/libbrainjit.so

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@
$(BUILD)/san/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SAN) -c $< -o $@

$(BUILD)/libbrainjit.a: $(OBJS)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/libbrainjit.so: $(OBJS)
	$(CC) -shared -o $@ $^ $(LDLIBS)
$(BUILD)/libbrainjit-san.a: $(SAN_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/test_all: $(TEST_SRCS) tests/test.h $(BUILD)/libbrainjit.a
	$(CC) $(CFLAGS_ALL) -Itests $(TEST_SRCS) $(BUILD)/libbrainjit.a $(LDLIBS) -o $@
$(BUILD)/test_all_san: $(TEST_SRCS) tests/test.h $(BUILD)/libbrainjit-san.a
	$(CC) $(CFLAGS_ALL) $(SAN) -Itests $(TEST_SRCS) $(BUILD)/libbrainjit-san.a $(LDLIBS) -o $@

# The README's test command: the whole suite, then the whole suite again under ASan + UBSan (leaks are failures).
test: test-plain test-san
	@echo "make test: plain and sanitizer runs passed"
test-plain: $(BUILD)/test_all
	cd tests && $(abspath $(BUILD))/test_all
test-san: $(BUILD)/test_all_san
	cd tests && ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 $(abspath $(BUILD))/test_all_san

$(BUILD)/demo: examples/demo.c $(BUILD)/libbrainjit.a
	$(CC) $(CFLAGS_ALL) $< $(BUILD)/libbrainjit.a $(LDLIBS) -o $@
demo: $(BUILD)/demo
	$(abspath $(BUILD))/demo

stats:
	@echo "src/ line count by stage:"
	@for d in $$(find src -mindepth 1 -maxdepth 2 -type d | sort); do \
	  n=$$(find $$d -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' -o -name '*.def' \) -exec cat {} + 2>/dev/null | wc -l); \
	  [ $$n -gt 0 ] && printf '  %-24s %6d\n' $$d $$n; done; true
	@printf '  %-24s %6d\n' total $$(find src -type f \( -name '*.c' -o -name '*.h' -o -name '*.def' \) -exec cat {} + | wc -l)

install: lib
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/brainjit.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(BUILD)/libbrainjit.a $(BUILD)/libbrainjit.so $(DESTDIR)$(PREFIX)/lib/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|0.1.0|' brainjit.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/brainjit.pc

clean:
	rm -rf $(BUILD)

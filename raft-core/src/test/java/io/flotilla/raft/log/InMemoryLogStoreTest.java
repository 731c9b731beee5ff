package io.flotilla.raft.log;

import static io.flotilla.raft.log.LogStoreContract.entries;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

class InMemoryLogStoreTest implements LogStoreContract {
    @Override
    public LogStore newStore() {
        return new InMemoryLogStore();
    }

    @Test
    void truncateSuffixBeforeFirstIndexIsRejected() {
        try (LogStore store = newStore()) {
            assertThatThrownBy(() -> store.truncateSuffix(0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("before firstIndex 1");
        }
    }

    @Test
    void negativeMaxBytesIsRejected() {
        try (LogStore store = newStore()) {
            store.append(entries(1, 2, 1));
            assertThatThrownBy(() -> store.entries(1, 2, -1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxBytes");
        }
    }

    @Test
    void everyCallAfterCloseThrowsIllegalState() {
        LogStore store = newStore();
        store.close();
        List<Runnable> calls = List.of(store::firstIndex, store::lastIndex, () -> store.term(0),
                () -> store.entries(1, 1, 0), store::hardState, () -> store.append(entries(1, 2, 1)),
                () -> store.truncateSuffix(1), () -> store.saveHardState(HardState.EMPTY), store::sync,
                () -> store.save(HardState.EMPTY, List.of(), true));
        for (Runnable call : calls) {
            assertThatThrownBy(call::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }
}

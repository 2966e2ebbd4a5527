package dev.hftp.codec.testing;

import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import net.jqwik.api.lifecycle.AfterContainerHook;
import net.jqwik.api.lifecycle.BeforeContainerHook;
import net.jqwik.api.lifecycle.ContainerLifecycleContext;
import net.jqwik.api.lifecycle.PropagationMode;

import java.lang.reflect.AnnotatedElement;
import java.util.List;
import java.util.Optional;

/**
 * {@link LeakFailExtension} for jqwik: jqwik is a JUnit Platform engine of its own, so Jupiter's
 * extensions do not reach its classes. Checks the same things around every jqwik test class: before it, that
 * the JVM runs Netty's detector at PARANOID with {@link RecordingLeakDetector}; after it (and after its
 * {@code @AfterContainer} methods, which may close servers), that no buffer leaked.
 *
 * <p>Registered for every jqwik class through {@code META-INF/services/net.jqwik.api.lifecycle.LifecycleHook}.
 */
public final class JqwikLeakCheck implements BeforeContainerHook, AfterContainerHook {

    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public boolean appliesTo(Optional<AnnotatedElement> element) {
        // Test classes only, not the engine's root nor nested groups: one check per class, as in Jupiter.
        return element.filter(e -> e instanceof Class<?> c && c.getEnclosingClass() == null).isPresent();
    }

    @Override
    public int beforeContainerProximity() {
        // Before the class's own @BeforeContainer methods.
        return -100;
    }

    @Override
    public void beforeContainer(ContainerLifecycleContext context) {
        if (ResourceLeakDetector.getLevel() != ResourceLeakDetector.Level.PARANOID) {
            throw new AssertionError("tests must run with -Dio.netty.leakDetection.level=paranoid");
        }
        // Creating a buffer creates the detector, which proves the custom one is in use.
        Unpooled.buffer(1).release();
        if (!RecordingLeakDetector.isInstalled()) {
            throw new AssertionError("tests must run with -Dio.netty.customResourceLeakDetector="
                    + RecordingLeakDetector.class.getName());
        }
        RecordingLeakDetector.drain();
    }

    @Override
    public int afterContainerProximity() {
        // After the class's own @AfterContainer methods.
        return -100;
    }

    @Override
    public void afterContainer(ContainerLifecycleContext context) throws InterruptedException {
        assertNoLeak();
    }

    /**
     * Fails if Netty's detector reports a leak, after letting it look at every unreachable buffer; what
     * {@link LeakFailExtension} does after a Jupiter class, for a test that wants to check at another moment.
     */
    public static void assertNoLeak() throws InterruptedException {
        List<String> leaks = LeakFailExtension.collect();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " buffer leak(s) reported by Netty's detector:\n"
                    + String.join("\n", leaks));
        }
    }
}

package dev.hftp.codec.testing;

import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Takes the tries of a jqwik property from a system property, so that one test serves both the quick run of
 * {@code mvn verify} and the long run of the {@code fuzz} profile (see the parent POM), e.g.
 * {@code @Property @FuzzTries(property = "hftp.fuzz.decoder.tries", byDefault = 1000)}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@AddLifecycleHook(FuzzTries.Hook.class)
public @interface FuzzTries {

    /** The system property that holds the number of tries. */
    String property();

    /** The tries when the system property is not set. */
    int byDefault();

    /** Sets the tries of the property before it runs. */
    final class Hook implements AroundPropertyHook {

        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            context.findAnnotation(FuzzTries.class).ifPresent(tries -> context.attributes().setTries(
                    Integer.getInteger(tries.property(), tries.byDefault())));
            return property.execute();
        }
    }
}

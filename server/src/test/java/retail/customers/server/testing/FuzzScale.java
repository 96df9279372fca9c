package retail.customers.server.testing;

import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * Multiplies the tries of a class's properties by {@code -Dfuzz.scale=N}
 * (1 by default), as {@code -Dfaults.scale} sizes the fault tests: the suite
 * runs the fuzz tests small, and {@code bin/test -Dtest=CsvFuzzTest
 * -Dfuzz.scale=20} explores at length.
 *
 * <pre>{@code @AddLifecycleHook(FuzzScale.class) class SomeFuzzTest { @Property(tries = 150) ... }}</pre>
 */
public final class FuzzScale implements AroundPropertyHook {
  public static final int SCALE = Math.max(1, Integer.getInteger("fuzz.scale", 1));

  @Override
  public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
    context.attributes().tries().ifPresent(tries -> context.attributes().setTries(tries * SCALE));
    return property.execute();
  }

  /** Registered on a class, the hook applies to its properties (jqwik's default is the class alone). */
  @Override
  public PropagationMode propagateTo() {
    return PropagationMode.ALL_DESCENDANTS;
  }

  /** Outermost, before jqwik reads the tries to start the property. */
  @Override
  public int aroundPropertyProximity() {
    return -100;
  }
}

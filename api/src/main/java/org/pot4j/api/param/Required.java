package org.pot4j.api.param;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A parameter record component that must be given (its default is null). The engine's binder fails
 * with a config error naming the key when it is missing, before anything runs.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface Required {
    /** What the value is, for the message, e.g. {@code "a path to the model's tokenizer.json"}. */
    String value() default "";
}
